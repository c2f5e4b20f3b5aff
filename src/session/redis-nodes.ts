/**
 * The gateway nodes of a cluster as the dashboard shows them: every node of
 * the lease table with its lease expiry and the sessions the table lists for
 * it, read through the node indexes (the accounts where a node holds
 * sessions, redis-index.ts): no SCAN, one read per such account. For an
 * operator's page, never for a hot path.
 */
import type { NodeView } from './cluster-registry.js';
import type { RedisClient } from './redis-connect.js';
import { inBatches, type RedisIndex } from './redis-index.js';
import type { RedisKeys } from './redis-keys.js';

/** Lists the nodes of the lease table with their session counts, by id. */
export async function listNodes(client: RedisClient, keys: RedisKeys, index: RedisIndex): Promise<NodeView[]> {
  const flat = await client.zrange(keys.gateways, '0', '-1', 'WITHSCORES');
  const nodes: NodeView[] = [];
  for (let i = 0; i + 1 < flat.length; i += 2) {
    const id = flat[i]!;
    let sessions = 0;
    await inBatches(await index.accountsOf(id), async ({ domain, name }) => {
      for (const raw of await client.hvals(keys.sessions(domain, name))) if ((JSON.parse(raw) as { gateway: string }).gateway === id) sessions++;
    });
    nodes.push({ id, expires: Number(flat[i + 1]), sessions });
  }
  return nodes.sort((a, b) => a.id.localeCompare(b.id));
}
