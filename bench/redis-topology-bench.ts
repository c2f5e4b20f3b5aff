/**
 * What each store topology costs (issue 15, README "Redis Cluster and
 * Sentinel"): one gateway process on the embedded table, on one Redis
 * (`redis.url`) and on a Redis Cluster of 3 masters (`redis.cluster`), driven
 * over real sockets from this process. Figures: token logins per second
 * (connect, AUTH with the last resume token, close; 64 lanes), the gateway
 * process's and the Redis processes' CPU per login (/proc), and, counted
 * with MONITOR on every Redis in a separate sequential phase, the round trips
 * (commands sent by the gateway) and the commands Redis executed (those plus
 * the ones inside Lua scripts) per login, per KICK of another session of the
 * account, per LOGOUT and per session a reap removes. Then the reap of a dead node that held 2,000
 * sessions with 0 and 200,000 other accounts in the table. Returns a Markdown
 * section for bench/RESULTS.md.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { type Cluster, Redis } from 'ioredis';
import { TimClient } from '../src/client/node.js';
import { createLogger } from '../src/logger.js';
import { NodeLease } from '../src/session/lease.js';
import { RedisKeys } from '../src/session/redis-keys.js';
import { RedisRegistry } from '../src/session/redis-registry.js';
import type { SessionInfo } from '../src/session/registry.js';
import { cheapHash } from '../test/support/cheap-hash.js';
import { GatewayProcess } from '../test/support/gateway-process.js';
import { RedisServer } from '../test/support/redis-server.js';
import { RedisClusterServers } from '../test/support/redis-topologies.js';
import { tempDir } from '../test/support/temp-dir.js';
import { procCpuMicros } from './redis-server.js';
import { trackProcess } from './rpc.js';

const silent = createLogger('silent', false);
const PWD = 'bench-pwd';
const LANES = 64;
const ACCOUNTS = LANES * 4;
/** Operations of each counted (MONITOR) phase, one after the other. */
const COUNTED = 100;
/** Sessions of the dead node a reap removes. */
const REAPED = 2000;

/** Round trips and executed commands per operation. */
interface Counted {
  roundTrips: number;
  commands: number;
}

interface TopologyFigures {
  perSecond: number;
  gatewayCpuUs: number;
  redisCpuUs: number | null;
  login: Counted;
  kick: Counted;
  logout: Counted;
}

/** MONITOR on every server: counts commands sent by clients (round trips) and run inside scripts. */
async function monitorAll(ports: number[]): Promise<{ snapshot: () => Counted; stop: () => void }> {
  const totals = { roundTrips: 0, commands: 0 };
  const monitors = await Promise.all(ports.map((port) => new Redis(port, '127.0.0.1').monitor()));
  for (const m of monitors) {
    m.on('monitor', (_time: string, _args: string[], source: string) => {
      totals.commands++;
      if (source !== 'lua') totals.roundTrips++;
    });
  }
  return { snapshot: () => ({ ...totals }), stop: () => monitors.forEach((m) => m.disconnect()) };
}

const per = (a: Counted, b: Counted, n: number): Counted => ({ roundTrips: (b.roundTrips - a.roundTrips) / n, commands: (b.commands - a.commands) / n });

/** One gateway process on `redis` (undefined = embedded) driven over sockets for `ms`. */
async function measure(redis: Record<string, unknown> | undefined, servers: RedisServer[], ms: number): Promise<TopologyFigures> {
  const dir = tempDir();
  const names = Array.from({ length: ACCOUNTS }, (_, i) => `u${i}`);
  const hash = await cheapHash(PWD);
  writeFileSync(join(dir, 'users.json'), JSON.stringify(names.map((name) => ({ domain: '', name, pwd: hash }))));
  const gw = await GatewayProcess.start(
    {
      gateway_id: 'bench-topology',
      users: 'users.json',
      device_limit: 2,
      overentry: 'kick',
      auth_timeout: 60,
      log_level: 'info', // (GatewayProcess waits for the info line "gateway listening")
      login_rate_ip: { per_second: 1_000_000, burst: 1_000_000 },
      login_rate_account: { per_second: 1_000_000, burst: 1_000_000 },
      password_checks: { concurrent: 4, queued: 100_000, per_ip: 100_000 }, // the first logins come 64 at a time from 127.0.0.1
      ...(redis ? { redis: { ...redis, prefix: `bt${Date.now()}:` } } : {}),
    },
    { dir, name: 'bench-topology' },
  );
  trackProcess(gw.proc);
  const tokens = new Map<string, string>();
  /** Connects and logs `name` in (with its last resume token unless `pwd`); the socket stays open. */
  const login = async (name: string, pwd = false): Promise<{ c: TimClient; ssid: string }> => {
    const c = await TimClient.connect(gw.clientUrl);
    const known = pwd ? undefined : tokens.get(name);
    const ack = await c.login(known ? { name, token: known, resource: 'b' } : { name, pwd: PWD, resource: 'b' });
    if (!ack.ok || !ack.token) throw new Error(`bench login of ${name} failed: ${ack.error?.code ?? '?'} ${ack.error?.info ?? ''}`);
    tokens.set(name, ack.token);
    return { c, ssid: ack.n2! };
  };
  try {
    // first logins (password), then two rounds of token logins so that the measured ones run warm (JIT, connections, scripts)
    for (let round = 0; round < 3; round++) {
      for (let i = 0; i < ACCOUNTS; i += LANES) await Promise.all(names.slice(i, i + LANES).map(async (n) => void (await (await login(n)).c.close())));
    }
    // throughput and CPU: each lane logs its accounts in with their tokens and closes, in turn
    const cpu = async (): Promise<[number, number]> => [await procCpuMicros(gw.proc.pid!), (await Promise.all(servers.map((s) => procCpuMicros(s.pid)))).reduce((a, b) => a + b, 0)];
    const [gw0, redis0] = await cpu();
    const t0 = performance.now();
    let done = 0;
    await Promise.all(
      Array.from({ length: LANES }, async (_, lane) => {
        for (let k = 0; performance.now() - t0 < ms; k++) {
          await (await login(names[lane + LANES * (k % 4)]!)).c.close();
          done++;
        }
      }),
    );
    const secs = (performance.now() - t0) / 1000;
    const [gw1, redis1] = await cpu();
    // counted phases, one operation at a time: login, KICK of the account's other session, LOGOUT
    const monitor = servers.length ? await monitorAll(servers.map((s) => s.port)) : null;
    const zero = { roundTrips: 0, commands: 0 };
    const snap = (): Counted => monitor?.snapshot() ?? zero;
    try {
      const accounts = names.slice(0, COUNTED);
      const s0 = snap();
      const first = [];
      for (const n of accounts) first.push(await login(n));
      const s1 = snap();
      const second = [];
      for (const n of accounts) second.push(await login(n, true)); // a second session (a resume would take the first one's place)
      const s2 = snap();
      for (let i = 0; i < COUNTED; i++) await first[i]!.c.kick([second[i]!.ssid]);
      const s3 = snap();
      for (const f of first) await f.c.logout();
      const s4 = snap();
      for (const s of [...first, ...second]) s.c.terminate();
      return {
        perSecond: done / secs,
        gatewayCpuUs: (gw1 - gw0) / done,
        redisCpuUs: servers.length ? (redis1 - redis0) / done : null,
        login: per(s0, s1, COUNTED),
        kick: per(s2, s3, COUNTED),
        logout: per(s3, s4, COUNTED),
      };
    } finally {
      monitor?.stop();
    }
  } finally {
    await gw.stop();
  }
}

/** A Redis topology the reap runs on: a client of it, whether it is sharded, and the ports of its servers (for MONITOR). */
interface ReapStore {
  readonly client: () => Redis | Cluster;
  readonly sharded: boolean;
  readonly ports: number[];
}

/**
 * Reaps 2,000 sessions of a dead node with `others` idle accounts of a live
 * node in the table (written raw, one Redis only); returns the ms it took, or
 * (`counted`) the round trips and commands per reaped session, counted with
 * MONITOR (which slows Redis: the two are separate runs).
 */
async function reap(store: ReapStore, others: number, counted = false): Promise<{ ms: number; perSession: Counted | null }> {
  const raw = store.client();
  const keys = new RedisKeys(`reap${others}${counted ? 'c' : ''}:`, store.sharded);
  const registry = new RedisRegistry({ client: raw, keys, gatewayId: 'survivor', lease: new NodeLease(raw, keys, 'survivor', 60_000, silent) });
  const now = Date.now();
  for (let i = 0; i < others; i += 10_000) {
    const p = raw.pipeline();
    for (let j = i; j < Math.min(others, i + 10_000); j++) {
      p.hset(keys.sessions('d', `idle${j}`), `o${j}`, JSON.stringify({ ssid: `o${j}`, domain: 'd', name: `idle${j}`, resource: 'r', termtyp: 0, loginTime: now, refreshTime: now, ip: '127.0.0.1', gateway: 'live', connId: `c${j}`, reg: now }));
    }
    await p.exec();
  }
  const limits = { deviceLimit: 3, typeLimit: 3, mode: 'kick' as const, minAgeMs: 0 };
  for (let i = 0; i < REAPED; i += 200) {
    await Promise.all(Array.from({ length: 200 }, (_, k) => {
      const session: SessionInfo = { ssid: `x${i + k}`, domain: 'd', name: `dead${i + k}`, resource: 'r', termtyp: 0, loginTime: now, refreshTime: now, ip: '127.0.0.1', gateway: 'dead', connId: `c${i + k}` };
      return registry.login({ session, limits, kick: [], token: { domain: 'd', name: session.name, ssid: session.ssid, hash: 'h', expires: now + 60_000 }, now });
    }));
  }
  const monitor = counted ? await monitorAll(store.ports) : null;
  const c0 = monitor?.snapshot();
  const t0 = performance.now();
  const removed = await registry.reap('dead', Number.MAX_SAFE_INTEGER);
  const ms = performance.now() - t0;
  await new Promise((r) => setTimeout(r, 200)); // the last MONITOR lines
  const perSession = monitor && c0 ? per(c0, monitor.snapshot(), REAPED) : null;
  monitor?.stop();
  raw.disconnect();
  if (removed.length !== REAPED) throw new Error(`reaped ${removed.length} sessions, expected ${REAPED}`);
  return { ms, perSession };
}

/** Runs the topology bench; returns its Markdown section. */
export async function redisTopologyBench(quick: boolean, log: (s: string) => void): Promise<string> {
  const ms = quick ? 2000 : 5000;
  const single = await RedisServer.start();
  trackProcess(single.process!);
  const cluster = await RedisClusterServers.start(3);
  for (const s of cluster.servers) trackProcess(s.process!);
  const load0 = (await import('node:os')).loadavg();
  try {
    log('bench: topologies, embedded');
    const embedded = await measure(undefined, [], ms);
    log('bench: topologies, one Redis');
    const one = await measure({ url: single.url }, [single], ms);
    log('bench: topologies, Redis Cluster of 3 masters');
    const three = await measure({ cluster: cluster.seeds }, cluster.servers, ms);
    log('bench: reap of a dead node');
    const oneStore: ReapStore = { client: () => single.client(), sharded: false, ports: [single.port] };
    const reap0 = (await reap(oneStore, 0)).ms;
    const reapFull = (await reap(oneStore, quick ? 20_000 : 200_000)).ms;
    const reapOne = (await reap(oneStore, 0, true)).perSession!;
    const reapThree = (await reap({ client: () => cluster.client(), sharded: true, ports: cluster.servers.map((s) => s.port) }, 0, true)).perSession!;
    const load1 = (await import('node:os')).loadavg();
    const f = (x: number | null, d = 0): string => (x === null ? '–' : x.toFixed(d));
    const c = (x: Counted): string => `${f(x.roundTrips, 1)} / ${f(x.commands, 1)}`;
    const row = (label: string, t: TopologyFigures, reaped: Counted | null): string =>
      `| ${label} | ${f(t.perSecond)} | ${f(t.gatewayCpuUs)} | ${f(t.redisCpuUs)} | ${c(t.login)} | ${c(t.kick)} | ${c(t.logout)} | ${reaped ? c(reaped) : '–'} |`;
    return [
      '## Store topologies: embedded, one Redis, Redis Cluster (issue 15)',
      '',
      `One gateway process (log_level info, a line per login), driven over loopback sockets by the bench process: token logins (connect, AUTH with the account's last resume token, close) on ${LANES} lanes for ${ms / 1000} s; CPU per login from /proc of the gateway and of every Redis process. Round trips / commands: counted with MONITOR on every Redis over ${COUNTED} operations run one at a time (round trips = commands the gateway sent; commands = those plus the ones its Lua scripts ran; lease renewals of the period included). KICK = an AUTHed socket kicks the account's other session. Reap = a surviving node removes the 2,000 sessions of a dead node (one per account), counted the same way, per session removed. Load average ${load0.map((x) => x.toFixed(1)).join(' / ')} at the start, ${load1.map((x) => x.toFixed(1)).join(' / ')} at the end (2 cores shared with other work).`,
      '',
      '| store | logins/s | gateway CPU µs/login | Redis CPU µs/login | login: round trips / commands | KICK | LOGOUT | reap, per session reaped |',
      '|---|---|---|---|---|---|---|---|',
      row('embedded (no redis)', embedded, null),
      row('one Redis (redis.url)', one, reapOne),
      row('Redis Cluster, 3 masters (redis.cluster)', three, reapThree),
      '',
      `Reap of a dead node that held ${REAPED} sessions (one Redis; the node's index, no SCAN; not counted by MONITOR): ${f(reap0)} ms with no other account, ${f(reapFull)} ms with ${quick ? '20,000' : '200,000'} other accounts (ratio ${(reapFull / reap0).toFixed(2)}).`,
      '',
    ].join('\n');
  } finally {
    await cluster.stop();
    await single.stop();
  }
}
