/**
 * Token-bucket rate limits keyed by a string (an IP, an account). Pure except
 * for the map it keeps; the clock is an argument. Idle keys are dropped so the
 * map stays bounded by the number of keys active within one refill period,
 * and by `maxKeys`: beyond it the oldest key is forgotten.
 */
import type { RateLimit } from '../config/defaults.js';

interface Bucket {
  tokens: number;
  at: number;
}

/** A set of token buckets of one rate. */
export class TokenBuckets {
  private buckets = new Map<string, Bucket>();
  private lastSweep = 0;

  constructor(private readonly limit: RateLimit, private readonly maxKeys = 1_000_000) {}

  /** Takes one token for `key` at time `now` (ms); false when the bucket is empty. */
  take(key: string, now: number): boolean {
    this.sweep(now);
    const { per_second: rate, burst } = this.limit;
    const b = this.buckets.get(key) ?? { tokens: burst, at: now };
    b.tokens = Math.min(burst, b.tokens + ((now - b.at) / 1000) * rate);
    b.at = now;
    if (b.tokens < 1) {
      this.buckets.set(key, b);
      return false;
    }
    b.tokens -= 1;
    if (!this.buckets.has(key) && this.buckets.size >= this.maxKeys) {
      // full: the key held longest makes room (skipping the new key instead would let every new key through, unlimited)
      this.buckets.delete(this.buckets.keys().next().value!);
    }
    this.buckets.set(key, b);
    return true;
  }

  /** Gives back a token taken for `key` (an attempt that turned out not to count). */
  refund(key: string): void {
    const b = this.buckets.get(key);
    if (b) b.tokens = Math.min(this.limit.burst, b.tokens + 1);
  }

  /** True when `key` has a token to take at `now`, without taking it. */
  has(key: string, now: number): boolean {
    const b = this.buckets.get(key);
    return !b || Math.min(this.limit.burst, b.tokens + ((now - b.at) / 1000) * this.limit.per_second) >= 1;
  }

  /** Forgets buckets that have refilled completely (they equal a fresh one). */
  private sweep(now: number): void {
    const full = (this.limit.burst / this.limit.per_second) * 1000;
    if (now - this.lastSweep < Math.max(1000, full)) return;
    this.lastSweep = now;
    for (const [k, b] of this.buckets) if (now - b.at >= full) this.buckets.delete(k);
  }
}
