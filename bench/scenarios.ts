/**
 * The scenarios of `npm run bench`. Each runs the same client load against
 * two targets, alternating which goes first, for several rounds, and returns
 * the per-round figures; run.ts takes medians and writes the table.
 */
import { performance } from 'node:perf_hooks';
import type { Child } from './rpc.js';
import { BENCH_DOMAIN, BENCH_PWD } from './setup.js';
import { quantile } from './stats.js';
import { cpuOf, waitIdle, type Target } from './targets.js';
import type { LaneAccount, LoginRun } from './load-worker.js';
import type { Usage } from './server-probe.js';

/** Sizes and durations of one bench run. */
export interface Params {
  readonly rounds: number;
  /** Length of one login-throughput measurement. */
  readonly loginMs: number;
  /** Concurrent login lanes per load worker (fixed concurrency = lanes x workers). */
  readonly lanesPerWorker: number;
  /** Accounts each lane cycles through, so an account's previous session is long closed when it logs in again. */
  readonly accountsPerLane: number;
  /** Authenticated sockets each worker holds in the memory scenario (a server then holds workers x this). */
  readonly holdPerWorker: number;
  /** Kick lanes per worker and kicks per lane and round ("moderate load"). */
  readonly kickLanesPerWorker: number;
  readonly kicksPerLane: number;
  /** Length of one registry micro-benchmark measurement. */
  readonly registryMs: number;
}

/** The load workers and the parameters, shared by all scenarios. */
export interface Bench {
  readonly workers: Child[];
  readonly params: Params;
}

/** Failed attempts of a run and the first error seen. */
export interface Failures {
  readonly failures: number;
  readonly firstError: string;
}

function sumFailures(runs: readonly Failures[]): Failures {
  return { failures: runs.reduce((a, r) => a + r.failures, 0), firstError: runs.map((r) => r.firstError).find((e) => e) ?? '' };
}

/** One round's login figures. */
export interface LoginRound extends Failures {
  readonly rate: number;
  readonly p50: number;
  readonly p99: number;
  /** Server CPU µs per login (all server processes of the target). */
  readonly cpu: number;
  /** redis-server CPU µs per login (cluster only). */
  readonly redisCpu: number;
  /** Reads redis-server made from its clients' sockets per login (cluster only). */
  readonly redisReads: number;
}

/** Names of the login-lane accounts of worker `w`. */
export function loginAccountNames(p: Params, w: number): string[][] {
  return Array.from({ length: p.lanesPerWorker }, (_, l) => Array.from({ length: p.accountsPerLane }, (_, i) => `l${w}_${l}_${i}`));
}

/** Names of the accounts worker `w` holds in the memory scenario. */
export function holdAccountNames(p: Params, w: number): string[] {
  return Array.from({ length: p.holdPerWorker }, (_, i) => `h${w}_${i}`);
}

/** Every account name the bench uses (for the users file). */
export function allAccountNames(p: Params, workers: number): string[] {
  const out: string[] = [];
  for (let w = 0; w < workers; w++) out.push(...loginAccountNames(p, w).flat(), ...holdAccountNames(p, w));
  return out;
}

const isGateway = (t: Target): boolean => t.key !== 'baseline';
const account = (name: string) => ({ domain: BENCH_DOMAIN, name });

/** Tokens for `names`: resume tokens minted by the target's first gateway, or placeholders for the baseline. */
async function tokensFor(t: Target, names: string[], kind: 'mintResume' | 'mintLogin'): Promise<string[]> {
  if (!isGateway(t)) return names.map(() => `r.${'x'.repeat(16)}.${'x'.repeat(43)}`);
  const out: string[] = [];
  for (let i = 0; i < names.length; i += 5000) out.push(...(await t.servers[0]!.call<string[]>(kind, { accounts: names.slice(i, i + 5000).map(account) })));
  return out;
}

/** Gives each worker its lanes of accounts (with fresh resume tokens) for target `t`, under `key`. */
export async function prepareLanes(b: Bench, t: Target, key: string, names: (w: number) => string[][]): Promise<void> {
  await Promise.all(
    b.workers.map(async (worker, w) => {
      const laneNames = names(w);
      const tokens = await tokensFor(t, laneNames.flat(), 'mintResume');
      let k = 0;
      const lanes: LaneAccount[][] = laneNames.map((ns) => ns.map((name) => ({ domain: BENCH_DOMAIN, name, pwd: BENCH_PWD, token: tokens[k++]! })));
      await worker.call('setLanes', { key, lanes });
    }),
  );
}

/** One login-throughput round: every lane logs in and out for loginMs; server CPU from the server's own cpuUsage. */
export async function loginRound(b: Bench, t: Target, mode: 'pwd' | 'token', durationMs = b.params.loginMs, lanes = 'login'): Promise<LoginRound> {
  await waitIdle(t);
  const c0 = await cpuOf(t);
  const runs = await Promise.all(
    b.workers.map((w) => w.call<LoginRun>('logins', { key: `${t.key}:${lanes}`, urls: t.urls, mode, durationMs, maxLogins: 500_000 }, durationMs + 120_000)),
  );
  await waitIdle(t);
  const c1 = await cpuOf(t);
  const logins = runs.reduce((a, r) => a + r.logins, 0);
  const secs = Math.max(...runs.map((r) => r.elapsedMs)) / 1000;
  const lat = runs.flatMap((r) => r.latencies);
  return {
    rate: logins / secs,
    p50: quantile(lat, 0.5),
    p99: quantile(lat, 0.99),
    cpu: (c1.server - c0.server) / Math.max(1, logins),
    redisCpu: (c1.redis - c0.redis) / Math.max(1, logins),
    redisReads: (c1.redisReads - c0.redisReads) / Math.max(1, logins),
    ...sumFailures(runs),
  };
}

/** One memory round's figures, per held authenticated socket, and the idle CPU of holding them. */
export interface MemoryRound extends Failures {
  readonly held: number;
  readonly rss: number;
  readonly heap: number;
  readonly external: number;
  /** Server CPU while idle with no client socket, % of one core. */
  readonly idleEmpty: number;
  /** Server CPU while idle holding the sockets (over idleMs, one heartbeat interval or more), % of one core. */
  readonly idleHeld: number;
}

/** Local addresses load worker `w` connects from (127.x.y.z, so no one source address runs out of ports). */
export function sourceAddresses(w: number, count = 16): string[] {
  return Array.from({ length: count }, (_, i) => `127.${10 + w}.${Math.floor(i / 254)}.${(i % 254) + 1}`);
}

/** Server CPU of `t` over `ms` of idleness, in % of one core. */
export async function idleCpu(t: Target, ms: number): Promise<number> {
  const c0 = await cpuOf(t);
  const w0 = performance.now();
  await new Promise((r) => setTimeout(r, ms));
  const c1 = await cpuOf(t);
  return (100 * (c1.server - c0.server)) / ((performance.now() - w0) * 1000);
}

/**
 * Holds holdPerWorker x workers authenticated sockets on `t` (a freshly
 * started, warmed-up server) and measures its RSS and heap growth after GC,
 * then its CPU while it holds them idle for `idleMs`.
 */
export async function memoryRound(b: Bench, t: Target, idleMs: number, profileFile?: string): Promise<MemoryRound> {
  const key = `${t.key}:hold`;
  await prepareLanes(b, t, key, (w) => [holdAccountNames(b.params, w)]);
  await waitIdle(t);
  const server = t.servers[0]!;
  const idleEmpty = await idleCpu(t, Math.min(idleMs, 5000));
  const u0 = await server.call<Usage>('usage', { collect: true });
  const runs = await Promise.all(
    b.workers.map((w, i) => w.call<Failures & { held: number }>('hold', { key, urls: t.urls, concurrency: 64, from: sourceAddresses(i) }, 300_000)),
  );
  const u1 = await server.call<Usage>('usage', { collect: true });
  if (profileFile) await server.call('profileStart');
  const idleHeld = await idleCpu(t, idleMs);
  if (profileFile) await server.call('profileStop', { file: profileFile });
  await Promise.all(b.workers.map((w) => w.call('release', {}, 120_000)));
  await waitIdle(t);
  const held = runs.reduce((a, r) => a + r.held, 0);
  return {
    held,
    rss: (u1.rss - u0.rss) / held,
    heap: (u1.heapUsed - u0.heapUsed) / held,
    external: (u1.external - u0.external) / held,
    idleEmpty,
    idleHeld,
    ...sumFailures(runs),
  };
}

/** One kick-latency round's figures (ms). */
export interface KickRound extends Failures {
  readonly p50: number;
  readonly p99: number;
  readonly samples: number;
}

/**
 * Kick latency: lanes log in one account again and again with single-use
 * login tokens (as ADMTOKEN issues them), each login in kick mode evicting the
 * previous socket; the time is AUTH sent on the new socket → KICKED received
 * on the old one. With several URLs, consecutive logins go to different nodes.
 * Against the baseline the same lanes time AUTH sent → ACK received on an open
 * socket: the floor for "one frame in, one frame out".
 */
export async function kickRound(b: Bench, t: Target, round: number): Promise<KickRound> {
  const p = b.params;
  const runs = await Promise.all(
    b.workers.map(async (worker, w) => {
      const names = Array.from({ length: p.kickLanesPerWorker }, (_, l) => `k${w}_${l}`);
      const lanes = await Promise.all(
        names.map(async (name) => ({ ...account(name), tokens: await tokensFor(t, Array.from({ length: p.kicksPerLane + 1 }, () => name), 'mintLogin') })),
      );
      return worker.call<Failures & { latencies: number[] }>(
        'kicks',
        { urls: round % 2 ? [...t.urls].reverse() : t.urls, lanes, expect: isGateway(t) ? 'kicked' : 'ack' },
        300_000,
      );
    }),
  );
  await waitIdle(t);
  const lat = runs.flatMap((r) => r.latencies);
  return {
    p50: quantile(lat, 0.5),
    p99: quantile(lat, 0.99),
    samples: lat.length,
    ...sumFailures(runs),
  };
}

/** Runs `measure` on each target in turn for `rounds` rounds, alternating which target goes first. */
export async function alternate<K extends { readonly key: string }, T>(
  rounds: number,
  targets: K[],
  measure: (t: K, round: number) => Promise<T>,
  log: (s: string) => void,
): Promise<Map<string, T[]>> {
  const out = new Map<string, T[]>(targets.map((t) => [t.key, []]));
  for (let r = 0; r < rounds; r++) {
    const order = r % 2 ? [...targets].reverse() : targets;
    for (const t of order) {
      const res = await measure(t, r);
      out.get(t.key)!.push(res);
      log(`  round ${r + 1} ${t.key}: ${JSON.stringify(res, (_k, v) => (typeof v === 'number' ? Math.round(v * 100) / 100 : v))}`);
    }
  }
  return out;
}
