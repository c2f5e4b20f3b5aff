/**
 * Retry delays of webhook deliveries: exponential from BASE, capped at MAX,
 * with jitter (between half and all of the step) so that many nodes retrying
 * a receiver that came back do not hit it in lockstep.
 */

/** First retry delay, ms. */
export const RETRY_BASE_MS = 200;
/** Longest retry delay, ms. */
export const RETRY_MAX_MS = 30_000;

/** The delay before retry number `attempt` (1 = first retry), ms; `random` in [0, 1). */
export function retryDelay(attempt: number, random: number = Math.random()): number {
  const step = Math.min(RETRY_MAX_MS, RETRY_BASE_MS * 2 ** Math.min(attempt - 1, 20));
  return Math.round(step / 2 + (step / 2) * random);
}
