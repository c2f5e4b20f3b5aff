/**
 * What a scenario runs against: the baseline server, one gateway, or a
 * cluster of gateways sharing a redis-server. A target knows its client URLs
 * and the CPU and memory of its own server processes.
 */
import { Child } from './rpc.js';
import { procCpuMicros, redisReads, type RedisProcess } from './redis-server.js';
import type { Usage } from './server-probe.js';

/** A system under test. */
export interface Target {
  /** "baseline", "gateway", "cluster". */
  readonly key: string;
  readonly urls: string[];
  /** Server processes answering clients (the first mints tokens for gateways). */
  readonly servers: Child[];
  /** A redis-server whose CPU is reported apart, in cluster mode. */
  readonly redis?: RedisProcess;
}

/** Starts the baseline server; with `pingMs`, it pings each socket once per `pingMs` (bench/baseline-server.ts). */
export async function startBaseline(pingMs = 0): Promise<Target> {
  const child = await Child.start('baseline', 'baseline-server.js', { pingMs });
  return { key: 'baseline', urls: [await child.call<string>('url')], servers: [child] };
}

/**
 * Starts one gateway process per config file (one = a single node, several =
 * a cluster). With `keepLogs`, each one's log goes to its config's path with
 * `.log` for `.json` (else to nowhere: the CPU figures must not pay for it).
 */
export async function startGateways(key: string, configs: string[], execArgv: string[] = [], redis?: RedisProcess, keepLogs = false): Promise<Target> {
  const servers = await Promise.all(configs.map((config, i) => Child.start(`${key}${configs.length > 1 ? i : ''}`, 'gateway-server.js', { config }, execArgv, keepLogs ? config.replace(/\.json$/, '.log') : undefined)));
  const urls = await Promise.all(servers.map((s) => s.call<string>('url')));
  return { key, urls, servers, ...(redis ? { redis } : {}) };
}

/** Summed CPU (µs) of the target's server processes, and of its redis-server apart. */
export async function cpuOf(t: Target): Promise<{ server: number; redis: number; redisReads: number }> {
  const us = await Promise.all(t.servers.map((s) => s.call<Usage>('usage')));
  return { server: us.reduce((a, u) => a + u.cpuMicros, 0), redis: t.redis ? await procCpuMicros(t.redis.pid) : 0, redisReads: t.redis ? await redisReads(t.redis.url) : 0 };
}

/** Waits (at most 30 s) until no client socket is open on the target's servers. */
export async function waitIdle(t: Target): Promise<void> {
  const end = Date.now() + 30_000;
  for (;;) {
    const open = await Promise.all(t.servers.map((s) => s.call<number>('connections')));
    if (open.every((n) => n === 0)) return;
    if (Date.now() > end) throw new Error(`${t.key}: ${open.join('+')} sockets still open 30 s after the clients closed`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Stops every process of the target. */
export async function stopTarget(t: Target): Promise<void> {
  await Promise.all(t.servers.map((s) => s.stop()));
  await t.redis?.stop();
}
