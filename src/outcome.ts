/**
 * The result of an operation shared by several front ends (admin socket, HTTP
 * API): a value, or a failure as data (src/errors.ts) that each front end
 * renders its own way (an AdmAck, a JSON error with an HTTP status).
 */
import type { Logger } from 'pino';
import { ErrorCode, failure, type TimFailure } from './errors.js';

/** A value or a failure. */
export type Outcome<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly failure: TimFailure };

/** A successful outcome. */
export function success<T>(value: T): Outcome<T> {
  return { ok: true, value };
}

/** A failed outcome. */
export function refusal<T = never>(failure: TimFailure): Outcome<T> {
  return { ok: false, failure };
}

/** Runs an admin operation; a store failure (a throw) becomes 5104 "session store unavailable", logged with `request`. */
export async function storeGuarded<T>(log: Logger, request: string, op: () => Promise<Outcome<T>>): Promise<Outcome<T>> {
  try {
    return await op();
  } catch (err) {
    log.error({ err, request }, 'admin request failed');
    return refusal(failure(ErrorCode.HEAVY_LOAD, 'session store unavailable'));
  }
}
