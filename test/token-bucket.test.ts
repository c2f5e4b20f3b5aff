/**
 * The rate limiter's buckets (src/policy/token-bucket.ts), driven with a
 * clock of the test's own: a burst, a refill, and a full map that still
 * limits new keys.
 */
import { describe, expect, it } from 'vitest';
import { TokenBuckets } from '../src/policy/token-bucket.js';

/** How many of `n` takes for `key` at time `now` succeed. */
const granted = (b: TokenBuckets, key: string, n: number, now: number): number => Array.from({ length: n }, () => b.take(key, now)).filter(Boolean).length;

describe('TokenBuckets', () => {
  it('grants the burst, then one token per 1/rate seconds', () => {
    const b = new TokenBuckets({ per_second: 2, burst: 3 });
    expect(granted(b, 'a', 10, 0)).toBe(3);
    expect(granted(b, 'a', 10, 499)).toBe(0);
    expect(granted(b, 'a', 10, 500)).toBe(1);
    expect(granted(b, 'b', 10, 500)).toBe(3);
  });

  it('with the map full, a new key is still limited: the oldest key makes room', () => {
    const b = new TokenBuckets({ per_second: 0.001, burst: 2 }, 3);
    for (const k of ['a', 'b', 'c']) expect(granted(b, k, 1, 0)).toBe(1);
    expect(granted(b, 'new', 100, 1)).toBe(2);
    expect(granted(b, 'b', 5, 2)).toBe(1); // still held: one token left of its burst
    expect(granted(b, 'a', 5, 2)).toBe(2); // forgotten to make room: a fresh bucket
  });
});
