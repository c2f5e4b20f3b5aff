/**
 * The background reconciliation recounts the table-wide counters (src/session/recount.ts):
 * on a real redis-server and on a real Redis Cluster of 3 masters, counters
 * corrupted by hand (the slot's sums, and one account's share) return to the
 * truth in ADMSTATS and /metrics after a pass, while logins and logouts keep
 * changing the table during it. The pass is awaited through its log line.
 */
import type { Cluster, Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { RedisKeys } from '../src/session/redis-keys.js';
import { adminGateway, adminOf } from './admin-helpers.js';
import { loggedIn, metricValue, onCleanup, waitFor } from './helpers.js';
import { keptLogger } from './support/kept-logger.js';
import { RedisServer, redisSuitesEnabled } from './support/redis-server.js';
import { RedisClusterServers } from './support/redis-topologies.js';

const DRIFT = 'table counters had drifted from the table: recounted';
/** The churn below logs one account in and out as fast as it can: no rate limit is what this test is about. */
const unlimited = { per_second: 100_000, burst: 100_000 };

interface Topology {
  redis: Record<string, unknown>;
  raw: Redis | Cluster;
  sharded: boolean;
}

const topologies: [string, () => Promise<Topology>][] = [
  [
    'one redis-server',
    async () => {
      const server = await RedisServer.start();
      onCleanup(() => server.stop());
      return { redis: { url: server.url }, raw: server.client(), sharded: false };
    },
  ],
  [
    'a Redis Cluster of 3 masters',
    async () => {
      const servers = await RedisClusterServers.start(3);
      onCleanup(() => servers.stop());
      return { redis: { cluster: servers.seeds }, raw: servers.client(), sharded: true };
    },
  ],
];

describe.skipIf(!redisSuitesEnabled())('the background reconciliation recounts the table counters', () => {
  for (const [name, start] of topologies) {
    it(`${name}: counters corrupted by hand are back to the truth in ADMSTATS and /metrics after a pass, with logins going on`, async () => {
      const { redis, raw, sharded } = await start();
      onCleanup(async () => raw.disconnect());
      const lines: Record<string, unknown>[] = [];
      const gw = await adminGateway({ redis: { ...redis, reconcile_interval: 1 }, device_limit: 3, login_rate_account: unlimited, login_rate_ip: unlimited }, { logger: keptLogger(lines, 'warn') });
      const admin = await adminOf(gw);
      await loggedIn(gw, { name: 'alice' });
      await loggedIn(gw, { name: 'alice' });
      await loggedIn(gw, { name: 'bob', domain: 'acme' });
      await loggedIn(gw, { name: 'carol', domain: 'other' });
      const truth = await admin.stats();
      expect([truth.sessions, truth.accounts, truth.perDomain]).toEqual([4, 3, { '': 2, acme: 1, other: 1 }]);

      // the slots' sums and alice's own share, as a lost write or a hand edit would leave them
      const keys = new RedisKeys('tim:', sharded);
      const from = lines.length;
      expect(await raw.hincrby(keys.counters(keys.accountSlot('', 'alice')), 's', 5)).toBeGreaterThanOrEqual(7);
      expect(await raw.hincrby(keys.counters(keys.accountSlot('acme', 'bob')), 'a', 2)).toBeGreaterThanOrEqual(3);
      expect(await raw.hincrby(keys.counters(keys.accountSlot('other', 'carol')), 'd:ghost', 7)).toBe(7);
      await raw.hset(keys.counts('', 'alice'), 's', 9);

      // logins and logouts meanwhile: the pass tallies them too
      let churning = true;
      const churn = (async () => {
        while (churning) {
          const c = await loggedIn(gw, { name: 'dave', domain: 'acme' });
          expect((await c.logout()).ok).toBe(true);
          c.terminate();
        }
      })();
      churn.catch(() => {}); // (its failure is reported by the await below, not as an unhandled rejection meanwhile)
      const fixed = (): string[] => lines.slice(from).flatMap((l) => (l.msg === DRIFT ? (l.fixes as { field: string }[]).map((f) => f.field) : []));
      await waitFor(() => fixed().length > 0, 30_000, 'a pass to recount the drifted counters');
      churning = false;
      await churn;
      // the passes over the other masters may come later: a pass walks one master at a time
      await waitFor(() => ['s', 'a', 'd:ghost'].every((f) => fixed().includes(f)), 60_000, 'every drifted counter recounted');
      const after = await admin.stats();
      expect([after.sessions, after.accounts, after.perDomain]).toEqual([4, 3, truth.perDomain]);
      expect(await metricValue(gw, 'tim_table_sessions')).toBe(4);
      expect(await metricValue(gw, 'tim_table_accounts')).toBe(3);
    }, 120_000);
  }
});
