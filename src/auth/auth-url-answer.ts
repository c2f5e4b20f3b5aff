/**
 * What an auth_url answer means (PROTOCOL.md section 11), as a pure function:
 * 200 with {"ok": true, ...} accepts; {"ok": false, "code", "info"} refuses
 * (4110 and 4115 passed through, anything else 4105); everything else (a
 * timeout, a connection error, another status, a body that is not such an
 * object) fails closed with 5104.
 */
import { ErrorCode, errorInfo, failure, type ErrorCode as Code } from '../errors.js';
import type { PostResult } from '../http/post-json.js';
import { accept, refuse, type AuthOutcome } from './authenticator.js';
import { identityClaims } from './identity-claims.js';

/** Metric label of a call: accepted, refused, timeout, error, bad_status, bad_answer (and busy, decided before calling). */
export type AuthCallResult = 'accepted' | 'refused' | 'timeout' | 'error' | 'bad_status' | 'bad_answer' | 'busy';

/** The meaning of one answer; `problem` is set for the failures worth a log line. */
export interface AuthVerdict {
  readonly outcome: AuthOutcome;
  readonly result: AuthCallResult;
  readonly problem?: string;
}

/** Longest refusal `info` passed on to the client, in characters. */
const MAX_INFO = 200;

const PASSED_THROUGH: readonly number[] = [ErrorCode.BLOCKED, ErrorCode.ERROR_TOKEN];
const unavailable = refuse(failure(ErrorCode.HEAVY_LOAD), 'auth_unavailable');

/** Reads a call's result; `tokenLogin` picks the event reason of a plain refusal (bad_token or bad_password). */
export function readAuthAnswer(r: PostResult, tokenLogin: boolean): AuthVerdict {
  if (r.kind === 'timeout') return { outcome: unavailable, result: 'timeout', problem: r.message };
  if (r.kind !== 'answer') return { outcome: unavailable, result: 'error', problem: r.message };
  // section 11: only a non-2xx status is refused as such; a 2xx must still carry the answer object
  if (r.status < 200 || r.status > 299) return { outcome: unavailable, result: 'bad_status', problem: `HTTP ${r.status}` };
  let body: unknown;
  try {
    body = JSON.parse(r.body);
  } catch {
    return { outcome: unavailable, result: 'bad_answer', problem: 'answer is not JSON' };
  }
  if (body === null || typeof body !== 'object' || Array.isArray(body) || typeof (body as { ok?: unknown }).ok !== 'boolean') {
    return { outcome: unavailable, result: 'bad_answer', problem: 'answer is not an object with a boolean "ok"' };
  }
  const answer = body as Record<string, unknown>;
  if (answer.ok) {
    const claims = identityClaims(answer);
    if (typeof claims === 'string') return { outcome: unavailable, result: 'bad_answer', problem: claims };
    return { outcome: accept(claims), result: 'accepted' };
  }
  const code = (PASSED_THROUGH.includes(answer.code as number) ? answer.code : ErrorCode.PERMISSION_DENIED) as Code;
  const info = typeof answer.info === 'string' && answer.info !== '' ? answer.info.slice(0, MAX_INFO) : errorInfo[code];
  const reason = code === ErrorCode.BLOCKED ? 'blocked' : code === ErrorCode.ERROR_TOKEN || tokenLogin ? 'bad_token' : 'bad_password';
  return { outcome: refuse(failure(code, info), reason), result: 'refused' };
}
