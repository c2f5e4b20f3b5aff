/**
 * Reconnect delays: exponential backoff with full jitter (a delay drawn
 * uniformly from 0 to min(max, base * 2^attempt)), so that the sockets of a
 * node that went away do not all come back in the same millisecond.
 */

/** Backoff bounds in milliseconds. */
export interface BackoffOptions {
  /** Upper bound of the first delay (default 500). */
  readonly baseMs: number;
  /** Largest upper bound, reached after a few attempts (default 30000). */
  readonly maxMs: number;
}

/** The defaults of the client library. */
export const defaultBackoff: BackoffOptions = { baseMs: 500, maxMs: 30_000 };

/** The upper bound of the delay before attempt `attempt` (0 = the first reconnect). */
export function backoffCeiling(attempt: number, b: BackoffOptions): number {
  return Math.min(b.maxMs, b.baseMs * 2 ** Math.min(attempt, 30));
}

/** A delay before attempt `attempt`: uniform in [0, ceiling). */
export function backoffDelay(attempt: number, b: BackoffOptions, random: () => number = Math.random): number {
  return random() * backoffCeiling(attempt, b);
}
