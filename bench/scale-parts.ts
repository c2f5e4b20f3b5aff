/**
 * What the parts of npm run bench:scale share: the processes of the run, and
 * accounts with resume tokens minted into the cluster's table.
 */
import type { Redis } from 'ioredis';
import type { LaneAccount } from './load-worker.js';
import type { Child } from './rpc.js';
import { BENCH_DOMAIN } from './setup.js';
import type { Target } from './targets.js';

/** The scale run's parts. */
export interface Scale {
  readonly redis: Redis;
  readonly redisPid: number;
  readonly cluster: Target;
  readonly loaders: Child[];
  readonly log: (s: string) => void;
  readonly leaseTtl: number;
}

/** Mints resume tokens for `names` through gateway `g` (5,000 per call). */
export async function accountsWithTokens(gateway: Child, names: string[]): Promise<LaneAccount[]> {
  const out: LaneAccount[] = [];
  for (let i = 0; i < names.length; i += 5000) {
    const chunk = names.slice(i, i + 5000);
    const tokens = await gateway.call<string[]>('mintResume', { accounts: chunk.map((name) => ({ domain: BENCH_DOMAIN, name })) }, 300_000);
    chunk.forEach((name, k) => out.push({ domain: BENCH_DOMAIN, name, pwd: '', token: tokens[k]! }));
  }
  return out;
}

