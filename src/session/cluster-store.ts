/**
 * Cluster mode's store: the shared Redis table, the pub/sub bus between
 * nodes, this node's lease and the background reconciliation, with the
 * rejoin that registers the node's live sessions again after it was cut off
 * (README, "Cluster mode").
 */
import type { Logger } from 'pino';
import type { Clock } from '../clock.js';
import { redisDefaults, type Config } from '../config/defaults.js';
import { limitsFor } from '../policy/limits.js';
import { EventKind } from '../protocol/types.js';
import { presenceEvent } from './bus.js';
import type { ClusterRegistry } from './cluster-registry.js';
import { NodeLease } from './lease.js';
import { RedisBus } from './redis-bus.js';
import { closeRedis, connectRedis, describeRedis } from './redis-connect.js';
import { RedisKeys } from './redis-keys.js';
import { Reconciler } from './reconciler.js';
import { listNodes } from './redis-nodes.js';
import { RedisRegistry } from './redis-registry.js';
import { RedisRevocations } from './redis-revocations.js';
import type { SessionInfo } from './registry.js';
import type { Store, StoreHooks } from './store.js';
import { RedisTokenIndex } from './token-index.js';

/**
 * Builds cluster mode's store on the Redis that `redis` (tim.json) names;
 * `clock` dates its presence events. Lease times and the rejoin's stay on
 * Date.now: they are compared with the registration times the Redis registry
 * and the lease write, which go by Date.now.
 */
export async function createClusterStore(config: Config, redis: NonNullable<Config['redis']>, gatewayId: string, log: Logger, clock: Clock = Date.now): Promise<Store> {
  const { prefix = redisDefaults.prefix, lease_ttl = redisDefaults.lease_ttl, reconcile_interval = redisDefaults.reconcile_interval } = redis;
  const rlog = log.child({ redis: describeRedis(redis) });
  const client = await connectRedis(redis, rlog, 'commands');
  const sub = await connectRedis(redis, rlog, 'pub/sub', true).catch((e: unknown) => {
    closeRedis(client);
    throw e;
  });
  const keys = new RedisKeys(prefix, redis.cluster !== undefined);
  const lease = new NodeLease(client, keys, gatewayId, lease_ttl * 1000, rlog);
  const revocationMs = config.resume_timeout * 1000;
  const registry = new RedisRegistry({ client, keys, gatewayId, lease, revocationMs });
  const bus = new RedisBus(client, sub, keys, gatewayId, rlog);
  await bus.start();
  const reconciler = new Reconciler(client, keys, gatewayId, registry.index, { intervalMs: reconcile_interval * 1000, count: 100, pauseMs: 20 }, rlog, {
    // a node that started after the lease table was read registers sessions newer than a lease TTL ago
    orphans: async () => ({ leased: await lease.leased(), before: Date.now() - lease_ttl * 1000 }),
    reaped: async (raws) => {
      for (const s of await registry.forgetOrphans(raws)) bus.publish(presenceEvent(EventKind.OFFLINE, s, 'node_lost', clock()));
    },
  });
  // Every reconnect may come back to a Redis that lost writes (a restart from
  // an older snapshot, a failover to a lagging replica): rejoin, don't trust.
  client.on('ready', () => {
    lease.storeFailed();
    void lease.beat();
  });
  // Redis Cluster: a master that fails is replaced by its replica, which may
  // lack its last writes (replication is asynchronous). The connection to it
  // fails before the replica takes over: rejoin from then on (each beat tries
  // again until the cluster answers for every slot).
  client.on('node error', () => lease.storeFailed());
  return {
    mode: 'cluster',
    registry,
    bus,
    revocations: new RedisRevocations(client, keys),
    tokenIndex: new RedisTokenIndex(client, keys),
    membership: {
      start: async (hooks) => {
        reconciler.start();
        await lease.start({
          reap: async (gateway, before) => {
            for (const s of await registry.reap(gateway, before)) bus.publish(presenceEvent(EventKind.OFFLINE, s, 'node_lost', clock()));
          },
          rejoin: (awayMs) => {
            registry.index.forgetListedSlots();
            return rejoin(registry, gatewayId, config, hooks, awayMs > revocationMs);
          },
        });
      },
      nodes: () => listNodes(client, keys, registry.index),
      leave: async () => void (await registry.reap(gatewayId, Number.MAX_SAFE_INTEGER)),
      reachable: (now) => lease.reachable(now),
    },
    close: async () => {
      await reconciler.stop();
      await lease.stop();
      closeRedis(client);
      closeRedis(sub);
    },
  };
}

/**
 * Registers the node's live sessions again, closes the sockets that lost
 * their place, then removes what the table still lists for this node but no
 * socket holds any more (sockets that closed while Redis was away). After an
 * absence longer than logouts are remembered (`tooLong`), nothing is put
 * back: a kick made meanwhile may be forgotten, so every socket is closed
 * (displaced) and its client resumes if its token still lets it.
 */
async function rejoin(registry: ClusterRegistry, gatewayId: string, config: Config, hooks: StoreHooks, tooLong: boolean): Promise<void> {
  const started = Date.now();
  const key = (s: SessionInfo): string => `${s.ssid}\u0000${s.connId}`;
  const restore = async (sessions: SessionInfo[]): Promise<void> => {
    if (tooLong) {
      for (const s of sessions) hooks.lostPlace(s, 'displaced');
      return;
    }
    const entries = sessions.map((session) => ({ session, limits: limitsFor(config, session.domain, session.limits) }));
    for (const lost of await registry.restore(entries, Date.now())) hooks.lostPlace(lost.session, lost.reason);
  };
  const live = hooks.liveSessions();
  await restore(live);
  await registry.reap(gatewayId, started);
  // logins that were in flight while this ran may have been reaped: register them too
  const known = new Set(live.map(key));
  const now = hooks.liveSessions();
  await restore(now.filter((s) => !known.has(key(s))));
  // what ended while this ran (a socket closed, a login was withdrawn) may have been put back after its own removal
  const still = new Set(hooks.liveSessions().map(key));
  const ended = new Map([...live, ...now].filter((s) => !still.has(key(s))).map((s) => [key(s), s]));
  await Promise.all([...ended.values()].map((s) => registry.remove(s.domain, s.name, s.ssid, s.connId)));
}
