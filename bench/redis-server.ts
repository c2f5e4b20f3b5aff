/**
 * The bench's redis-server: the shared fixture (test/support/redis-server.ts),
 * tracked so that it is killed with the bench's other children.
 */
import { Redis } from 'ioredis';
import { RedisServer } from '../test/support/redis-server.js';
import { trackProcess } from './rpc.js';

/** A running redis-server. */
export interface RedisProcess {
  readonly url: string;
  readonly pid: number;
  stop(): Promise<void>;
}

/** Starts redis-server on a free loopback port and waits (at most 10 s) until it answers PING. */
export async function startRedis(): Promise<RedisProcess> {
  const redis = await RedisServer.start();
  trackProcess(redis.process!);
  return redis;
}

/** CPU time (user + system, µs) of a process from /proc, for processes that cannot report it themselves. */
export async function procCpuMicros(pid: number): Promise<number> {
  const { readFile } = await import('node:fs/promises');
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(fields[11]) + Number(fields[12]);
  return (ticks / 100) * 1e6;
}

/**
 * How many times redis-server has read from its clients' sockets since it
 * started (INFO stats total_reads_processed): per login, how many commands it
 * gets per read.
 */
export async function redisReads(url: string): Promise<number> {
  const client = new Redis(url, { lazyConnect: true });
  await client.connect();
  try {
    return Number(/total_reads_processed:(\d+)/.exec(await client.info('stats'))?.[1] ?? Number.NaN);
  } finally {
    client.disconnect();
  }
}
