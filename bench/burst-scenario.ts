/**
 * Password burst: 200 password logins kept in flight (scrypt, on libuv's
 * thread pool) while a few lanes keep logging in with resume tokens. Token
 * logins must not queue behind the hashes: their p99 during the burst is
 * compared with their p99 on the same gateway without it.
 */
import { quantile } from './stats.js';
import { loginRound, prepareLanes, type Bench, type LoginRound } from './scenarios.js';
import { cpuOf, waitIdle, type Target } from './targets.js';
import type { LoginRun } from './load-worker.js';

/** Password lanes per load worker (one login each in flight), and token lanes beside them. */
export const BURST_PWD_LANES_PER_WORKER = 100;
export const BURST_TOKEN_LANES_PER_WORKER = 8;

/** Account names of worker `w`'s burst lanes: one per password lane, four per token lane. */
export function burstAccountNames(w: number): { pwd: string[][]; token: string[][] } {
  return {
    pwd: Array.from({ length: BURST_PWD_LANES_PER_WORKER }, (_, l) => [`bp${w}_${l}`]),
    token: Array.from({ length: BURST_TOKEN_LANES_PER_WORKER }, (_, l) => Array.from({ length: 4 }, (_, i) => `bt${w}_${l}_${i}`)),
  };
}

/** Every account the burst uses (for the users file). */
export function allBurstAccountNames(workers: number): string[] {
  return Array.from({ length: workers }, (_, w) => Object.values(burstAccountNames(w)).flat(2)).flat();
}

/** One burst round: token logins alone, then the same token lanes during the password burst. */
export interface BurstRound {
  /** Token logins without the burst. */
  readonly quiet: LoginRound;
  /** Token logins during the burst. */
  readonly during: { readonly rate: number; readonly p50: number; readonly p99: number; readonly failures: number };
  /** Password logins/s of the burst and their p99 latency (ms). */
  readonly pwdRate: number;
  readonly pwdP99: number;
  /** Server CPU during the burst, % of one core. */
  readonly cpu: number;
}

/** Gives the workers their burst lanes on gateway `t` (token lanes get fresh resume tokens). */
export async function prepareBurst(b: Bench, t: Target): Promise<void> {
  await prepareLanes(b, t, `${t.key}:burst-token`, (w) => burstAccountNames(w).token);
  await prepareLanes(b, t, `${t.key}:burst-pwd`, (w) => burstAccountNames(w).pwd);
}

/** Runs one burst round of `ms` per half on gateway `t`. */
export async function burstRound(b: Bench, t: Target, ms: number): Promise<BurstRound> {
  const quiet = await loginRound(b, t, 'token', ms, 'burst-token');
  await waitIdle(t);
  const c0 = await cpuOf(t);
  const t0 = performance.now();
  const calls = b.workers.flatMap((w) => [
    w.call<LoginRun>('logins', { key: `${t.key}:burst-token`, urls: t.urls, mode: 'token', durationMs: ms, maxLogins: 500_000 }, ms + 120_000),
    w.call<LoginRun>('logins', { key: `${t.key}:burst-pwd`, urls: t.urls, mode: 'pwd', durationMs: ms, maxLogins: 500_000 }, ms + 120_000),
  ]);
  const runs = await Promise.all(calls);
  const c1 = await cpuOf(t);
  const wall = performance.now() - t0;
  const tokenRuns = runs.filter((_, i) => i % 2 === 0);
  const pwdRuns = runs.filter((_, i) => i % 2 === 1);
  const tokenLat = tokenRuns.flatMap((r) => r.latencies);
  const pwdLat = pwdRuns.flatMap((r) => r.latencies);
  const tokenSecs = Math.max(...tokenRuns.map((r) => r.elapsedMs)) / 1000;
  const pwdSecs = Math.max(...pwdRuns.map((r) => r.elapsedMs)) / 1000;
  return {
    quiet,
    during: { rate: tokenLat.length / tokenSecs, p50: quantile(tokenLat, 0.5), p99: quantile(tokenLat, 0.99), failures: runs.reduce((a, r) => a + r.failures, 0) },
    pwdRate: pwdLat.length / pwdSecs,
    pwdP99: quantile(pwdLat, 0.99),
    cpu: (100 * (c1.server - c0.server)) / (wall * 1000),
  };
}
