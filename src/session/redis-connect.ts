/**
 * Connections to the three Redis topologies of cluster mode (README "Cluster
 * mode"): one Redis (`redis.url`), Redis Cluster (`redis.cluster` seeds) and
 * Sentinel (`redis.sentinels` + `redis.name`). Every connection fails fast
 * while its Redis is away (no offline queue, no retry of a failed command, a
 * timeout on each command) and keeps reconnecting in the background; Redis
 * Cluster redirections (MOVED, ASK) and TRYAGAIN are retried by ioredis within
 * that timeout. The outage and the return are logged once. Commands sent in
 * one turn of the event loop leave in one write (redis-write-batching.ts).
 */
import { Cluster, Redis, type RedisOptions as IoRedisOptions } from 'ioredis';
import type { Logger } from 'pino';
import { redisDefaults, type RedisOptions } from '../config/defaults.js';
import { parseListen } from '../config/schema.js';
import { batchWritesPerTurn } from './redis-write-batching.js';

/** A client of any topology: one Redis (also behind Sentinel) or a Redis Cluster. */
export type RedisClient = Redis | Cluster;

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

/** Where the config points, for logs and errors (no secrets). */
export function describeRedis(opts: RedisOptions): string {
  if (opts.cluster) return `cluster ${opts.cluster.join(',')}`;
  if (opts.sentinels) return `sentinel ${opts.name ?? ''}@${opts.sentinels.join(',')}`;
  return redactUrl(opts.url ?? '');
}

/** The tim.json key that names the Redis endpoints (for "cannot reach" errors). */
export function redisKey(opts: RedisOptions): string {
  return opts.cluster ? 'redis.cluster' : opts.sentinels ? 'redis.sentinels' : 'redis.url';
}

const hostPort = (a: string): { host: string; port: number } => {
  const { host, port } = parseListen(a)!;
  return { host, port };
};

/** The longest pause between reconnection attempts. */
const RECONNECT_MS = 1000;
/** The pause before reconnection attempt `attempt` (1, 2, …): 100 ms more each time, up to RECONNECT_MS. */
const backoff = (attempt: number): number => Math.min(attempt * 100, RECONNECT_MS);

/** Builds (not yet connected) a client for the configured topology; `subscriber` = the pub/sub connection (sharded on Redis Cluster). */
function build(opts: RedisOptions, subscriber: boolean): RedisClient {
  const timeoutMs = (opts.command_timeout ?? redisDefaults.command_timeout) * 1000;
  const base: IoRedisOptions = {
    lazyConnect: true,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    commandTimeout: timeoutMs,
    connectTimeout: timeoutMs,
    retryStrategy: backoff,
  };
  if (opts.cluster) {
    const { retryStrategy: _r, enableOfflineQueue: _q, ...redisOptions } = base;
    const cluster = new Cluster(opts.cluster.map(hostPort), {
      lazyConnect: true,
      enableOfflineQueue: false,
      shardedSubscribers: subscriber,
      redisOptions: { ...redisOptions, ...(opts.password ? { password: opts.password } : {}) },
      clusterRetryStrategy: backoff,
      // a node that restarts without slot changes comes back without waiting for a MOVED
      clusterNodeRetryStrategy: backoff,
      retryDelayOnTryAgain: 50,
      retryDelayOnMoved: 0,
      retryDelayOnFailover: 100,
      retryDelayOnClusterDown: 100,
      slotsRefreshTimeout: timeoutMs,
    });
    cluster.on('+node', batchWritesPerTurn);
    return cluster;
  }
  // RedisBus subscribes again itself once a connection is back, and catches a
  // failure; ioredis's own re-subscribe is an unobserved promise that rejects
  // (crashing the process) when the connection closes during its handshake.
  if (subscriber) base.autoResubscribe = false;
  const client = opts.sentinels
    ? new Redis({
      ...base,
      sentinels: opts.sentinels.map(hostPort),
      name: opts.name!,
      ...(opts.password ? { password: opts.password, sentinelPassword: opts.password } : {}),
      sentinelRetryStrategy: backoff,
      // reconnect at once when the sentinels announce +switch-master
      failoverDetector: true,
    })
    : new Redis(opts.url!, base);
  batchWritesPerTurn(client);
  return client;
}

/** Clients closed on purpose (closeRedis): their end is final. */
const closedOnPurpose = new WeakSet<RedisClient>();

/** Closes a client of connectRedis for good (it does not reconnect). */
export function closeRedis(client: RedisClient): void {
  closedOnPurpose.add(client);
  client.disconnect();
}

/**
 * The first connection of `client`; rejects naming the tim.json key, with the
 * reason: the first refusal of a server while connecting (a ReplyError:
 * WRONGPASS, NOAUTH, ERR DB index is out of range), else the failure with the
 * last error met. ioredis itself says only "Connection is closed." after a
 * refusal, goes on in DB 0 when SELECT is refused, and keeps retrying
 * sentinels that refuse it.
 */
async function firstConnect(client: RedisClient, opts: RedisOptions): Promise<void> {
  let refusal: Error | undefined;
  let lastError: Error | undefined;
  const met = (err: Error): void => {
    lastError = err;
    if (err.name === 'ReplyError') refusal ??= err;
  };
  client.on('error', met);
  client.on('node error', met);
  // (ioredis keeps retrying unreachable sentinels without failing connect(): a deadline decides)
  const deadlineMs = Math.max(2000, 5 * (opts.command_timeout ?? redisDefaults.command_timeout) * 1000);
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${deadlineMs} ms`)), deadlineMs);
  });
  try {
    await Promise.race([client.connect(), deadline]);
    // (a Redis Cluster node may refuse while another seed answers: the cluster is up)
    if (refusal && !opts.cluster) throw refusal;
  } catch (e) {
    client.disconnect();
    const failure = e instanceof Error ? e.message : String(e);
    const reason = refusal?.message ?? (lastError && lastError.message !== failure ? `${failure} (last error: ${lastError.message})` : failure);
    const what = refusal ? 'Redis refused this gateway' : 'cannot reach Redis';
    throw new Error(`${what} at ${describeRedis(opts)} (tim.json ${redisKey(opts)}): ${reason}`, { cause: e });
  } finally {
    clearTimeout(timer);
    client.off('error', met);
    client.off('node error', met);
  }
}

/**
 * Connects one client of the configured topology; throws naming the tim.json
 * key when it cannot. Once connected it keeps reconnecting until closeRedis.
 */
export async function connectRedis(opts: RedisOptions, log: Logger, role: string, subscriber = false): Promise<RedisClient> {
  const client = build(opts, subscriber);
  let down = false;
  const lost = (err: Error): void => {
    if (down) return;
    down = true;
    log.error({ err: err.message, role }, 'Redis unreachable: new logins answer 5104 until it returns');
  };
  client.on('error', lost);
  client.on('node error', lost);
  client.on('ready', () => {
    if (down) log.info({ role }, 'Redis reachable again');
    down = false;
  });
  await firstConnect(client, opts);
  // ioredis gives a client up for good when a reconnect is cut short: behind
  // Sentinel, the +switch-master of a failover arriving while it asks a
  // sentinel for the master (seen under load: the node then never rejoined)
  client.on('end', () => {
    if (closedOnPurpose.has(client)) return;
    log.warn({ role }, 'Redis client stopped reconnecting: connecting it again');
    setTimeout(() => {
      if (!closedOnPurpose.has(client)) client.connect().catch(() => {}); // a failure ends it again, and this runs again
    }, RECONNECT_MS);
  });
  return client;
}
