/**
 * Chooses the session store: the embedded in-memory table, or (when `redis` is
 * set in tim.json) the shared Redis table, pub/sub bus and node lease of
 * cluster mode (README, "Cluster mode").
 */
import { Redis, type RedisOptions } from 'ioredis';
import type { Logger } from 'pino';
import { redisDefaults, type Config } from '../config/defaults.js';
import { limitsFor } from '../policy/limits.js';
import { EventKind } from '../protocol/types.js';
import { LocalBus, presenceEvent, type Bus } from './bus.js';
import { NodeLease } from './lease.js';
import { MemoryRegistry } from './memory-registry.js';
import { RedisBus } from './redis-bus.js';
import { RedisKeys } from './redis-keys.js';
import { RedisRegistry } from './redis-registry.js';
import type { SessionInfo, SessionRegistry } from './registry.js';

/** What the store needs from the gateway it serves. */
export interface StoreHooks {
  /** The sessions of this node's logged-in sockets, now. */
  liveSessions(): SessionInfo[];
  /** A live session lost its place while this node was cut off from the cluster: close its socket. */
  displaced(s: SessionInfo): void;
}

/** The registry and bus a gateway node works with. */
export interface Store {
  readonly registry: SessionRegistry;
  readonly bus: Bus;
  readonly mode: 'embedded' | 'cluster';
  /** Starts background work (cluster mode: the node lease and reaper); none in embedded mode. */
  start?(hooks: StoreHooks): Promise<void>;
  /** Releases the store after registry.close() and bus.close() (cluster mode: lease and connections). */
  close?(): Promise<void>;
}

/** redis://user:secret@host → redis://user:***@host, for logs and errors. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return 'redis://(unparsable url)';
  }
}

/** Builds the store for a config. */
export async function createStore(config: Config, gatewayId: string, log: Logger): Promise<Store> {
  if (!config.redis) return { registry: new MemoryRegistry(), bus: new LocalBus(gatewayId), mode: 'embedded' };
  const { url, prefix = redisDefaults.prefix, lease_ttl = redisDefaults.lease_ttl, command_timeout = redisDefaults.command_timeout } = config.redis;
  const rlog = log.child({ redis: redactUrl(url) });
  const client = await connectRedis(url, command_timeout, rlog, 'commands');
  const sub = await connectRedis(url, command_timeout, rlog, 'pub/sub').catch((e: unknown) => {
    client.disconnect();
    throw e;
  });
  const keys = new RedisKeys(prefix);
  const lease = new NodeLease(client, keys, gatewayId, lease_ttl * 1000, rlog);
  const registry = new RedisRegistry({ client, keys, gatewayId, lease });
  const bus = new RedisBus(client, sub, keys, gatewayId, rlog);
  await bus.start();
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
    start: (hooks) =>
      lease.start({
        reap: async (gateway, before) => {
          for (const s of await registry.reap(gateway, before)) bus.publish(presenceEvent(EventKind.OFFLINE, s, 'node_lost'));
        },
        rejoin: () => rejoin(registry, gatewayId, config, hooks),
      }),
    close: async () => {
      await lease.stop();
      client.disconnect();
      sub.disconnect();
    },
  };
}

/**
 * Registers the node's live sessions again, closes the sockets that lost
 * their place, then removes what the table still lists for this node but no
 * socket holds any more (sockets that closed while Redis was away).
 */
async function rejoin(registry: RedisRegistry, gatewayId: string, config: Config, hooks: StoreHooks): Promise<void> {
  const started = Date.now();
  const key = (s: SessionInfo): string => `${s.ssid}\u0000${s.connId}`;
  const restore = async (sessions: SessionInfo[]): Promise<void> => {
    const entries = sessions.map((session) => ({ session, limits: limitsFor(config, session.domain) }));
    for (const s of await registry.restore(entries, Date.now())) hooks.displaced(s);
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

/**
 * One ioredis connection that fails fast while Redis is away (no offline
 * queue, no retries of a failed command, a timeout on each command) and keeps
 * reconnecting in the background; the outage and the return are logged once.
 */
async function connectRedis(url: string, commandTimeout: number, log: Logger, role: string): Promise<Redis> {
  const options: RedisOptions = {
    lazyConnect: true,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    commandTimeout: commandTimeout * 1000,
    connectTimeout: commandTimeout * 1000,
    retryStrategy: (attempt) => Math.min(attempt * 100, 1000),
  };
  const client = new Redis(url, options);
  let down = false;
  client.on('error', (err: Error) => {
    if (down) return;
    down = true;
    log.error({ err: err.message, role }, 'Redis unreachable: new logins answer 5104 until it returns');
  });
  client.on('ready', () => {
    if (down) log.info({ role }, 'Redis reachable again');
    down = false;
  });
  try {
    await client.connect();
  } catch (e) {
    client.disconnect();
    throw new Error(`cannot reach Redis at ${redactUrl(url)} (tim.json redis.url): ${e instanceof Error ? e.message : String(e)}`, { cause: e });
  }
  return client;
}
