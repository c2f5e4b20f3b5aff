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

/** Attempts per chunk: right after 100,000 sockets closed, the table is still removing their sessions and a script may pass command_timeout. */
const MINT_ATTEMPTS = 5;

/** Mints resume tokens for `names` through gateway `g` (5,000 per call; a chunk that fails is minted again, fresh tokens for all of it). */
export async function accountsWithTokens(gateway: Child, names: string[], log?: (s: string) => void): Promise<LaneAccount[]> {
  const out: LaneAccount[] = [];
  for (let i = 0; i < names.length; i += 5000) {
    const chunk = names.slice(i, i + 5000);
    const mint = () => gateway.call<string[]>('mintResume', { accounts: chunk.map((name) => ({ domain: BENCH_DOMAIN, name })) }, 300_000);
    let tokens: string[] | null = null;
    for (let attempt = 1; !tokens; attempt++) {
      try {
        tokens = await mint();
      } catch (e) {
        if (attempt >= MINT_ATTEMPTS) throw e;
        log?.(`minting resume tokens failed (${String(e)}); again in 2 s (attempt ${attempt + 1} of ${MINT_ATTEMPTS})`);
        await new Promise((r) => setTimeout(r, 2000));
      }
    }
    chunk.forEach((name, k) => out.push({ domain: BENCH_DOMAIN, name, pwd: '', token: tokens[k]! }));
  }
  return out;
}

