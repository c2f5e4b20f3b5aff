/**
 * Answers of the HTTP API (PROTOCOL.md section 13): JSON bodies, and errors as
 * `{"error": {"code", "info"}}` with the HTTP status that fits the code.
 */
import type { ServerResponse } from 'node:http';
import { ErrorCode, failure, type TimFailure } from '../errors.js';
import type { Outcome } from '../outcome.js';

/** What a route handler answers: a status, a JSON body, extra headers. */
export interface HttpReply {
  readonly status: number;
  readonly body: unknown;
  readonly headers?: Readonly<Record<string, string>>;
}

/** HTTP status of each error code; a code not listed answers 500. */
const statusOfCode: Readonly<Partial<Record<ErrorCode, number>>> = {
  [ErrorCode.PARAMETER_INCORRECT]: 400,
  [ErrorCode.FORMAT]: 400,
  [ErrorCode.PERMISSION_DENIED]: 401,
  [ErrorCode.ERROR_TOKEN]: 401,
  [ErrorCode.NOT_EXIST]: 404,
  [ErrorCode.BLOCKED]: 403,
  [ErrorCode.OVER_ENTRY]: 409,
  [ErrorCode.BIG_DATA]: 413,
  [ErrorCode.FREQ_LIMIT]: 429,
  [ErrorCode.HEAVY_LOAD]: 503,
};

/** A 200 (or `status`) JSON answer. */
export function jsonReply(body: unknown, status = 200, headers?: Readonly<Record<string, string>>): HttpReply {
  return { status, body, ...(headers ? { headers } : {}) };
}

/** The error answer of a failure, with the status of its code unless `status` is given (415 and 405 reuse 4113 and 4104). */
export function failureReply(f: TimFailure, status?: number, headers?: Readonly<Record<string, string>>): HttpReply {
  const s = status ?? statusOfCode[f.code] ?? 500;
  const auth: Record<string, string> = s === 401 ? { 'www-authenticate': 'Bearer' } : {};
  return { status: s, body: { error: { code: f.code, info: f.info } }, headers: { ...auth, ...headers } };
}

/** The answer of an operation's outcome: its value shaped by `body`, or its failure. */
export function outcomeReply<T>(out: Outcome<T>, body: (value: T) => unknown): HttpReply {
  return out.ok ? jsonReply(body(out.value)) : failureReply(out.failure);
}

/** 404: no such endpoint. */
export const notFound = (): HttpReply => failureReply(failure(ErrorCode.NOT_EXIST, 'no such endpoint'), 404);

/** 405 with the methods the path allows. */
export const wrongMethod = (allowed: readonly string[]): HttpReply =>
  failureReply(failure(ErrorCode.PARAMETER_INCORRECT, `method not allowed; use ${allowed.join(' or ')}`), 405, { allow: allowed.join(', ') });

/** Writes a reply (unless the response is already under way); a 204 has no body. */
export function sendReply(res: ServerResponse, reply: HttpReply): void {
  if (res.headersSent) return;
  if (reply.status === 204) {
    res.writeHead(204, { 'cache-control': 'no-store', ...reply.headers }).end();
    return;
  }
  const text = JSON.stringify(reply.body);
  res.writeHead(reply.status, { 'content-type': 'application/json', 'cache-control': 'no-store', ...reply.headers, 'content-length': Buffer.byteLength(text) });
  res.end(text);
}
