/**
 * What a reconnect storm test records of its library clients (test/reconnect-storm.test.ts,
 * test/restart-storm.test.ts): when each reconnect attempt was scheduled to start,
 * when each client was back, at which attempt, and what stopped any of them; and
 * the bounds that the backoff with full jitter puts on those figures.
 */
import { backoffCeiling, type BackoffOptions } from '../../src/client/backoff.js';
import type { TimClient } from '../../src/client/node.js';

/** Width of the windows the rate curve is measured over, in ms. */
export const WINDOW_MS = 100;

/** The most values of `times` in any window of `width` ms (sliding over the sorted values). */
export function maxInWindow(times: readonly number[], width: number): number {
  const sorted = [...times].sort((a, b) => a - b);
  let best = 0;
  for (let lo = 0, hi = 0; hi < sorted.length; hi++) {
    while (sorted[hi]! - sorted[lo]! >= width) lo++;
    best = Math.max(best, hi - lo + 1);
  }
  return best;
}

/** Runs `fn` over `items` with at most `limit` at a time. */
export async function pool<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(Array.from({ length: limit }, async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!);
    }
  }));
  return out;
}

/** Counts of `values` by key, as "key:count" sorted by key. */
function histogram(values: readonly number[], keyOf: (v: number) => number, unit = ''): string {
  const counts = new Map<number, number>();
  for (const v of values) counts.set(keyOf(v), (counts.get(keyOf(v)) ?? 0) + 1);
  return [...counts].sort((a, b) => a[0] - b[0]).map(([k, n]) => `${k}${unit}:${n}`).join(' ');
}

/** Listens to the reconnect events of `clients` from now on. */
export class ReconnectRecorder {
  /** When each client was back (its `reconnected` event), in arrival order. */
  readonly loginTimes: number[] = [];
  /** The attempt number (1 = the first after the close) at which each client was back. */
  readonly backAtAttempt: number[] = [];
  /** The scheduled start (event time + delayMs) of every attempt, failed ones too, by attempt number. */
  readonly attemptStarts = new Map<number, number[]>();
  /** Why a client stopped reconnecting, or was kicked: none is expected. */
  readonly failures: string[] = [];
  /** Resolves when every client is back. */
  private readonly everyoneBack: Promise<void>;

  constructor(
    private readonly clients: readonly TimClient[],
    private readonly backoff: BackoffOptions,
  ) {
    let allBack!: () => void;
    this.everyoneBack = new Promise<void>((resolve) => (allBack = resolve));
    for (const c of clients) {
      let attempt = 0;
      c.on('reconnecting', (r) => {
        attempt = r.attempt;
        const starts = this.attemptStarts.get(r.attempt) ?? [];
        starts.push(Date.now() + r.delayMs);
        this.attemptStarts.set(r.attempt, starts);
      });
      c.on('reconnectFailed', (f) => this.failures.push(f.reason));
      c.on('kicked', (k) => this.failures.push(`kicked (${k.reason})`));
      c.on('reconnected', () => {
        this.loginTimes.push(Date.now());
        this.backAtAttempt.push(attempt);
        if (this.loginTimes.length === clients.length) allBack();
      });
    }
  }

  /** Resolves when every client is back; rejects after `timeoutMs` saying how many are and why others stopped. */
  allBack(timeoutMs: number): Promise<void> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const late = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`only ${this.loginTimes.length} of ${this.clients.length} back, failures: ${this.failures.slice(0, 5).join(', ')}`)), timeoutMs);
    });
    return Promise.race([this.everyoneBack, late]).finally(() => clearTimeout(timer));
  }

  /** The most attempt starts in any window. */
  maxAttemptsPerWindow(): number {
    return maxInWindow([...this.attemptStarts.values()].flat(), WINDOW_MS);
  }

  /**
   * The bound on maxAttemptsPerWindow that the backoff settings give: attempt k
   * starts a delay drawn uniformly from [0, ceiling(k-1)) after the previous
   * attempt ended (or the socket closed), so its start has a density of at most
   * 1 / ceiling(k-1) per client, whenever the previous attempt ended. Summed over
   * the attempts made, at most WINDOW_MS * sum(N_k / ceiling(k-1)) starts are
   * expected in any window (N_k clients made attempt k: 2,000 / 4,000 ms gives
   * 50 per 100 ms). The sliding-window maximum of random draws may be up to twice
   * that; clients without jitter would all start in one window.
   */
  attemptBound(): number {
    let density = 0;
    for (const [attempt, starts] of this.attemptStarts) density += starts.length / backoffCeiling(attempt - 1, this.backoff);
    return 2 * WINDOW_MS * density;
  }

  /** The most clients back in any window. */
  maxLoginsPerWindow(): number {
    return maxInWindow(this.loginTimes, WINDOW_MS);
  }

  /** One line: the curve (max per window against its bound, logins per second since `since`) and the attempts it took. */
  report(since: number): string {
    return (
      `max attempt starts per ${WINDOW_MS} ms: ${this.maxAttemptsPerWindow()} (bound ${Math.floor(this.attemptBound())}); ` +
      `max logins per ${WINDOW_MS} ms: ${this.maxLoginsPerWindow()}; ` +
      `attempts made by attempt number: ${[...this.attemptStarts].sort((a, b) => a[0] - b[0]).map(([n, s]) => `${n}:${s.length}`).join(' ')}; ` +
      `clients back at attempt n: ${histogram(this.backAtAttempt, (n) => n)}; ` +
      `logins per second: ${histogram(this.loginTimes, (t) => Math.floor((t - since) / 1000), 's')}`
    );
  }
}
