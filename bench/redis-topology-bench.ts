/**
 * Cluster mode on one Redis vs a Redis Cluster of 3 masters (issue 15): login
 * decisions per second straight on the registry of a store built from tim.json
 * keys (no sockets), the gateway process's CPU and every Redis process's CPU
 * per login, Redis commands per login (INFO commandstats), and the time to
 * reap a dead node that held 2,000 sessions with 0 and 200,000 other accounts
 * in the table. Returns a Markdown section for bench/RESULTS.md.
 */
import { performance } from 'node:perf_hooks';
import { Redis } from 'ioredis';
import { buildConfig } from '../src/config/load.js';
import { createLogger } from '../src/logger.js';
import { NodeLease } from '../src/session/lease.js';
import { RedisKeys } from '../src/session/redis-keys.js';
import { RedisRegistry } from '../src/session/redis-registry.js';
import type { SessionInfo } from '../src/session/registry.js';
import { createStore } from '../src/session/store.js';
import { RedisServer } from '../test/support/redis-server.js';
import { RedisClusterServers } from '../test/support/redis-topologies.js';
import { procCpuMicros } from './redis-server.js';
import { trackProcess } from './rpc.js';

const silent = createLogger('silent', false);
const limits = { deviceLimit: 1, typeLimit: 1, mode: 'kick' as const, minAgeMs: 0 };

/** Total command calls so far on these servers (INFO commandstats). */
async function commandCalls(ports: number[]): Promise<number> {
  let n = 0;
  for (const port of ports) {
    const c = new Redis(port, '127.0.0.1');
    for (const m of (await c.info('commandstats')).matchAll(/calls=(\d+)/g)) n += Number(m[1]);
    c.disconnect();
  }
  return n;
}

interface LoginFigures {
  perSecond: number;
  gatewayCpuUs: number;
  redisCpuUs: number;
  commands: number;
}

/** Logins (kick mode, one session per account, so each evicts the previous one) for `ms` with 64 in flight. */
async function logins(redis: Record<string, unknown>, servers: RedisServer[], ms: number): Promise<LoginFigures> {
  const store = await createStore(buildConfig({ redis: { ...redis, prefix: 'lb:' }, log_level: 'silent' }), 'bench-node', silent);
  const ports = servers.map((s) => s.port);
  try {
    let n = 0;
    const login = async (): Promise<void> => {
      const i = n++;
      const now = Date.now();
      const session: SessionInfo = { ssid: `s${i}`, domain: 'lb', name: `a${i % 1000}`, resource: 'r', termtyp: 1, loginTime: now, refreshTime: now, ip: '127.0.0.1', gateway: 'bench-node', connId: String(i) };
      await store.registry.login({ session, limits, kick: [], token: { domain: 'lb', name: session.name, ssid: session.ssid, hash: 'h', expires: now + 3600_000 }, now });
    };
    for (let i = 0; i < 2000; i++) await login(); // warm-up: scripts loaded, slot map and slot tags known
    const [cmd0, cpu0, redis0, n0, t0] = [await commandCalls(ports), process.cpuUsage(), await Promise.all(servers.map((s) => procCpuMicros(s.pid))), n, performance.now()];
    const end = t0 + ms;
    await Promise.all(Array.from({ length: 64 }, async () => {
      while (performance.now() < end) await login();
    }));
    const secs = (performance.now() - t0) / 1000;
    const done = n - n0;
    const cpu = process.cpuUsage(cpu0);
    const redisCpu = (await Promise.all(servers.map((s) => procCpuMicros(s.pid)))).reduce((a, b, i) => a + b - redis0[i]!, 0);
    const commands = (await commandCalls(ports)) - cmd0 - servers.length; // (minus the INFO calls themselves)
    return { perSecond: done / secs, gatewayCpuUs: (cpu.user + cpu.system) / done, redisCpuUs: redisCpu / done, commands: commands / done };
  } finally {
    await store.registry.close();
    await store.bus.close();
    await store.close?.();
  }
}

/** ms to reap 2,000 sessions of a dead node with `others` idle accounts of a live node in the table. */
async function reapMs(server: RedisServer, others: number): Promise<number> {
  const raw = server.client();
  const keys = new RedisKeys(`reap${others}:`);
  const registry = new RedisRegistry({ client: raw, keys, gatewayId: 'survivor', lease: new NodeLease(raw, keys, 'survivor', 60_000, silent) });
  const now = Date.now();
  for (let i = 0; i < others; i += 10_000) {
    const p = raw.pipeline();
    for (let j = i; j < Math.min(others, i + 10_000); j++) {
      p.hset(keys.sessions('d', `idle${j}`), `o${j}`, JSON.stringify({ ssid: `o${j}`, domain: 'd', name: `idle${j}`, resource: 'r', termtyp: 0, loginTime: now, refreshTime: now, ip: '127.0.0.1', gateway: 'live', connId: `c${j}`, reg: now }));
    }
    await p.exec();
  }
  for (let i = 0; i < 2000; i += 200) {
    await Promise.all(Array.from({ length: 200 }, (_, k) => {
      const session: SessionInfo = { ssid: `x${i + k}`, domain: 'd', name: `dead${i + k}`, resource: 'r', termtyp: 0, loginTime: now, refreshTime: now, ip: '127.0.0.1', gateway: 'dead', connId: `c${i + k}` };
      return registry.login({ session, limits: { ...limits, deviceLimit: 3, typeLimit: 3 }, kick: [], token: { domain: 'd', name: session.name, ssid: session.ssid, hash: 'h', expires: now + 60_000 }, now });
    }));
  }
  const t0 = performance.now();
  const removed = await registry.reap('dead', Number.MAX_SAFE_INTEGER);
  const ms = performance.now() - t0;
  raw.disconnect();
  if (removed.length !== 2000) throw new Error(`reaped ${removed.length} sessions, expected 2000`);
  return ms;
}

/** Runs the topology bench; returns its Markdown section. */
export async function redisTopologyBench(quick: boolean, log: (s: string) => void): Promise<string> {
  const ms = quick ? 1000 : 5000;
  const single = await RedisServer.start();
  trackProcess(single.process!);
  const cluster = await RedisClusterServers.start(3);
  for (const s of cluster.servers) trackProcess(s.process!);
  try {
    log('bench: logins on one Redis');
    const one = await logins({ url: single.url }, [single], ms);
    log('bench: logins on a Redis Cluster of 3 masters');
    const three = await logins({ cluster: cluster.seeds }, cluster.servers, ms);
    log('bench: reap of a dead node');
    const reap0 = await reapMs(single, 0);
    const reapFull = await reapMs(single, quick ? 20_000 : 200_000);
    const f = (x: number, d = 0): string => x.toFixed(d);
    return [
      '## Cluster mode: one Redis vs Redis Cluster (issue 15)',
      '',
      `Registry logins (kick mode, each evicting the account's previous session; 64 in flight, ${ms / 1000} s) through a store built from tim.json keys, in the bench process. CPU per login: the bench process (the gateway's share) and the sum over the Redis processes. Commands: INFO commandstats calls over every Redis process, per login.`,
      '',
      '| Topology | logins/s | gateway CPU µs/login | Redis CPU µs/login | Redis commands/login |',
      '|---|---|---|---|---|',
      `| one Redis (redis.url) | ${f(one.perSecond)} | ${f(one.gatewayCpuUs)} | ${f(one.redisCpuUs)} | ${f(one.commands, 2)} |`,
      `| Redis Cluster, 3 masters (redis.cluster) | ${f(three.perSecond)} | ${f(three.gatewayCpuUs)} | ${f(three.redisCpuUs)} | ${f(three.commands, 2)} |`,
      '',
      `Reap of a dead node that held 2,000 sessions (one Redis; the node's index, no SCAN): ${f(reap0)} ms with no other account, ${f(reapFull)} ms with ${quick ? '20,000' : '200,000'} other accounts (ratio ${(reapFull / reap0).toFixed(2)}).`,
      '',
    ].join('\n');
  } finally {
    await cluster.stop();
    await single.stop();
  }
}
