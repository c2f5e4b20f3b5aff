/**
 * Chooses the session store: the embedded in-memory table, or (when `redis` is
 * set in tim.json) the shared Redis table, pub/sub bus and node lease of
 * cluster mode (README, "Cluster mode").
 */
import { MemoryRevocations, type JwtRevocations } from '../auth/jwt-revocations.js';
import { RedisRevocations } from './redis-revocations.js';
import type { Logger } from 'pino';
import { redisDefaults, type Config } from '../config/defaults.js';
import { limitsFor } from '../policy/limits.js';
import { EventKind } from '../protocol/types.js';
import { LocalBus, presenceEvent, type Bus } from './bus.js';
import { NodeLease } from './lease.js';
import { MemoryRegistry } from './memory-registry.js';
import { RedisBus } from './redis-bus.js';
import { connectRedis, describeRedis } from './redis-connect.js';
import { RedisKeys } from './redis-keys.js';
import { Reconciler } from './reconciler.js';
import { listNodes, type NodeView } from './redis-nodes.js';
import { RedisRegistry } from './redis-registry.js';
import type { LostPlace, SessionInfo, SessionRegistry } from './registry.js';
import { MemoryTokenIndex, RedisTokenIndex, type TokenIndex } from './token-index.js';

/** What the store needs from the gateway it serves. */
export interface StoreHooks {
  /** The sessions of this node's logged-in sockets, now. */
  liveSessions(): SessionInfo[];
  /**
   * A live session lost its place while this node was cut off from the
   * cluster (`revoked`: it was logged out or its account blocked meanwhile): close its socket.
   */
  lostPlace(s: SessionInfo, reason: LostPlace['reason']): void;
}

/** The registry and bus a gateway node works with. */
export interface Store {
  readonly registry: SessionRegistry;
  readonly bus: Bus;
  readonly mode: 'embedded' | 'cluster';
  /** Revoked JWTs (cluster mode: shared in Redis); absent = kept in memory by the gateway. */
  readonly revocations?: JwtRevocations;
  /** The ssid → account pointers of resume tokens; absent = an in-memory one (stores built in tests). */
  readonly tokenIndex?: TokenIndex;
  /** Starts background work (cluster mode: the node lease and reaper); none in embedded mode. */
  start?(hooks: StoreHooks): Promise<void>;
  /** Cluster mode: the nodes of the lease table with their session counts (the dashboard's node list). */
  nodes?(): Promise<NodeView[]>;
  /** Releases the store after registry.close() and bus.close() (cluster mode: lease and connections). */
  close?(): Promise<void>;
}

/** Builds the store for a config. */
export async function createStore(config: Config, gatewayId: string, log: Logger): Promise<Store> {
  if (!config.redis) {
    const tokenIndex = new MemoryTokenIndex();
    return { registry: new MemoryRegistry(), bus: new LocalBus(gatewayId), mode: 'embedded', revocations: new MemoryRevocations(), tokenIndex, close: async () => tokenIndex.close() };
  }
  const { prefix = redisDefaults.prefix, lease_ttl = redisDefaults.lease_ttl, reconcile_interval = redisDefaults.reconcile_interval } = config.redis;
  const rlog = log.child({ redis: describeRedis(config.redis) });
  const client = await connectRedis(config.redis, rlog, 'commands');
  const sub = await connectRedis(config.redis, rlog, 'pub/sub', true).catch((e: unknown) => {
    client.disconnect();
    throw e;
  });
  const keys = new RedisKeys(prefix, config.redis.cluster !== undefined);
  const lease = new NodeLease(client, keys, gatewayId, lease_ttl * 1000, rlog);
  const revocationMs = config.resume_timeout * 1000;
  const registry = new RedisRegistry({ client, keys, gatewayId, lease, revocationMs });
  const bus = new RedisBus(client, sub, keys, gatewayId, rlog);
  await bus.start();
  const reconciler = new Reconciler(client, registry.index, { intervalMs: reconcile_interval * 1000, count: 100, pauseMs: 20 }, rlog, {
    // a node that started after the lease table was read registers sessions newer than a lease TTL ago
    orphans: async () => ({ leased: await lease.leased(), before: Date.now() - lease_ttl * 1000 }),
    reaped: async (raws) => {
      for (const s of await registry.forgetOrphans(raws)) bus.publish(presenceEvent(EventKind.OFFLINE, s, 'node_lost'));
    },
  });
  // Every reconnect may come back to a Redis that lost writes (a restart from
  // an older snapshot, a failover to a lagging replica): rejoin, don't trust.
  client.on('ready', () => {
    lease.storeFailed();
    void lease.beat();
  });
  return {
    registry,
    bus,
    mode: 'cluster',
    revocations: new RedisRevocations(client, keys),
    nodes: () => listNodes(client, keys, registry.index),
    tokenIndex: new RedisTokenIndex(client, keys),
    start: async (hooks) => {
      reconciler.start();
      await lease.start({
        reap: async (gateway, before) => {
          for (const s of await registry.reap(gateway, before)) bus.publish(presenceEvent(EventKind.OFFLINE, s, 'node_lost'));
        },
        rejoin: (awayMs) => rejoin(registry, gatewayId, config, hooks, awayMs > revocationMs),
      });
    },
    close: async () => {
      await reconciler.stop();
      await lease.stop();
      client.disconnect();
      sub.disconnect();
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
async function rejoin(registry: RedisRegistry, gatewayId: string, config: Config, hooks: StoreHooks, tooLong: boolean): Promise<void> {
  const started = Date.now();
  registry.index.forgetListedSlots();
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
  const still = new Set(now.map(key));
  await Promise.all(live.filter((s) => !still.has(key(s))).map((s) => registry.remove(s.domain, s.name, s.ssid, s.connId)));
}
