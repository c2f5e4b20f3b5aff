/**
 * Password burst: 200 password logins kept in flight (scrypt, on libuv's
 * thread pool) while a few lanes keep logging in with resume tokens and a few
 * logged-in sockets keep sending PING. Neither may queue behind the hashes:
 * their latencies during the burst are compared with the same lanes' and
 * sockets' on the same gateway without it.
 */
import { quantile } from './stats.js';
import { prepareLanes, type Bench } from './scenarios.js';
import { cpuOf, waitIdle, type Target } from './targets.js';
import type { LoginRun, PingRun } from './load-worker.js';

/** Password lanes per load worker (one login each in flight), token lanes and pinging sockets beside them. */
export const BURST_PWD_LANES_PER_WORKER = 100;
export const BURST_TOKEN_LANES_PER_WORKER = 8;
export const BURST_PING_SOCKETS_PER_WORKER = 4;
/** Milliseconds between two PINGs of one socket. */
export const BURST_PING_EVERY_MS = 20;

/** Account names of worker `w`'s burst lanes: one per password lane and pinging socket, four per token lane. */
export function burstAccountNames(w: number): { pwd: string[][]; token: string[][]; ping: string[][] } {
  return {
    pwd: Array.from({ length: BURST_PWD_LANES_PER_WORKER }, (_, l) => [`bp${w}_${l}`]),
    token: Array.from({ length: BURST_TOKEN_LANES_PER_WORKER }, (_, l) => Array.from({ length: 4 }, (_, i) => `bt${w}_${l}_${i}`)),
    ping: Array.from({ length: BURST_PING_SOCKETS_PER_WORKER }, (_, l) => [`bq${w}_${l}`]),
  };
}

/** Every account the burst uses (for the users file). */
export function allBurstAccountNames(workers: number): string[] {
  return Array.from({ length: workers }, (_, w) => Object.values(burstAccountNames(w)).flat(2)).flat();
}

/** Latencies (ms) of one kind of request in one half of a round, and how many failed. */
export interface Timed {
  readonly rate: number;
  readonly p50: number;
  readonly p99: number;
  readonly failures: number;
  readonly firstError: string;
}

/** One half of a burst round: token logins and pings, with or without the password burst. */
export interface BurstHalf {
  readonly token: Timed;
  readonly ping: Timed;
}

/** One burst round: token logins and pings alone, then the same during the password burst. */
export interface BurstRound {
  readonly quiet: BurstHalf;
  readonly during: BurstHalf;
  /** Password logins/s of the burst and their p99 latency (ms). */
  readonly pwdRate: number;
  readonly pwdP99: number;
  /** Server CPU during the burst, % of one core. */
  readonly cpu: number;
}

/** Gives the workers their burst lanes on gateway `t` (token lanes and pinging sockets get fresh resume tokens). */
export async function prepareBurst(b: Bench, t: Target): Promise<void> {
  for (const kind of ['token', 'pwd', 'ping'] as const) await prepareLanes(b, t, `${t.key}:burst-${kind}`, (w) => burstAccountNames(w)[kind]);
}

/** The figures of the runs of the load workers for one kind of request (`ms`: the half's length). */
function timed(runs: (LoginRun | PingRun)[], ms: number): Timed {
  const lat = runs.flatMap((r) => r.latencies);
  const secs = Math.max(ms, ...runs.map((r) => ('elapsedMs' in r ? r.elapsedMs : 0))) / 1000;
  const failures = runs.reduce((a, r) => a + r.failures, 0);
  return { rate: lat.length / secs, p50: quantile(lat, 0.5), p99: quantile(lat, 0.99), failures, firstError: runs.find((r) => r.firstError)?.firstError ?? '' };
}

/** Runs one half of `ms` on gateway `t`: token lanes and pinging sockets, with the password lanes when `burst`. */
async function half(b: Bench, t: Target, ms: number, burst: boolean): Promise<BurstHalf & { pwd: Timed; cpu: number }> {
  await waitIdle(t);
  const c0 = await cpuOf(t);
  const t0 = performance.now();
  const run = (kind: 'token' | 'pwd') => (w: Bench['workers'][number]) =>
    w.call<LoginRun>('logins', { key: `${t.key}:burst-${kind}`, urls: t.urls, mode: kind, durationMs: ms, maxLogins: 500_000 }, ms + 120_000);
  const [token, ping, pwd] = await Promise.all([
    Promise.all(b.workers.map(run('token'))),
    Promise.all(b.workers.map((w) => w.call<PingRun>('pings', { key: `${t.key}:burst-ping`, urls: t.urls, durationMs: ms, everyMs: BURST_PING_EVERY_MS }, ms + 120_000))),
    burst ? Promise.all(b.workers.map(run('pwd'))) : Promise.resolve([]),
  ]);
  const c1 = await cpuOf(t);
  return { token: timed(token, ms), ping: timed(ping, ms), pwd: timed(pwd, ms), cpu: (100 * (c1.server - c0.server)) / ((performance.now() - t0) * 1000) };
}

/** Runs one burst round of `ms` per half on gateway `t`. */
export async function burstRound(b: Bench, t: Target, ms: number): Promise<BurstRound> {
  const quiet = await half(b, t, ms, false);
  const during = await half(b, t, ms, true);
  return { quiet, during, pwdRate: during.pwd.rate, pwdP99: during.pwd.p99, cpu: during.cpu };
}
