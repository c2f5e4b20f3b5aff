/**
 * Calls to the gateway's HTTP API (PROTOCOL.md section 13) with the session
 * cookie, the CSRF header on state-changing requests, and errors as ApiError
 * carrying the section's {code, info}.
 */

/** A refused API call. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: number,
    readonly info: string,
  ) {
    super(`${info} (${code})`);
  }
}

let csrf = '';
let signedOut: () => void = () => {};

/** Sets the CSRF token of the current session (from sign-in or GET /api/v1/session). */
export function setCsrf(token: string): void {
  csrf = token;
}

/** What to do when an API call finds the session gone (401). */
export function onSignedOut(handler: () => void): void {
  signedOut = handler;
}

/** Calls `method path` with an optional JSON body; resolves to the JSON answer. */
export async function api<T>(method: 'GET' | 'POST' | 'DELETE', path: string, body?: unknown, headers: Record<string, string> = {}): Promise<T> {
  const init: RequestInit = { method, credentials: 'same-origin', headers: { accept: 'application/json', ...headers } };
  if (method !== 'GET') (init.headers as Record<string, string>)['x-tim-csrf'] = csrf;
  if (body !== undefined) {
    (init.headers as Record<string, string>)['content-type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  const res = await fetch(path, init);
  const data = (await res.json().catch(() => null)) as (T & { error?: { code: number; info: string } }) | null;
  if (res.ok && data) return data;
  const err = data?.error ?? { code: 5101, info: `HTTP ${res.status}` };
  if (res.status === 401 && path !== '/api/v1/session') signedOut();
  throw new ApiError(res.status, err.code, err.info);
}

/** Query string of `params` (repeated keys for arrays). */
export function query(params: Record<string, string | readonly string[]>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) for (const one of typeof v === 'string' ? [v] : v) q.append(k, one);
  return q.toString();
}
