/**
 * One cluster-mode node for registry tests: a RedisRegistry on `client` under
 * `keys`, with its lease running (reaping dead nodes), and a close that stops
 * the lease and drops the connection. Used by the one-Redis and the Redis
 * Cluster suites alike.
 */
import type { Logger } from 'pino';
import { NodeLease } from '../../src/session/lease.js';
import type { RedisKeys } from '../../src/session/redis-keys.js';
import { RedisRegistry } from '../../src/session/redis-registry.js';

type RedisClient = ConstructorParameters<typeof NodeLease>[0];

/** A registry of node `gatewayId` with its lease started; `close` stops the lease and disconnects. */
export async function registryNode<C extends RedisClient>(client: C, keys: RedisKeys, gatewayId: string, ttlMs: number, log: Logger) {
  const lease = new NodeLease(client, keys, gatewayId, ttlMs, log);
  const registry = new RedisRegistry({ client, keys, gatewayId, lease });
  await lease.start({ reap: async (g, before) => void (await registry.reap(g, before)), rejoin: async () => {} });
  return {
    registry,
    gatewayId,
    client,
    keys,
    lease,
    close: async () => {
      await lease.stop();
      client.disconnect();
    },
  };
}
