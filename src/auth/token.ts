/**
 * Token login: resume tokens (`r.<ssid>.<secret>`, one per session, re-attach
 * to that ssid) and admin-issued single-use login tokens (`l.<id>.<secret>`).
 * Secrets are 32 random bytes; the table stores only their SHA-256, compared
 * in constant time, so a copy of the table lets no one in.
 */
import { hash, randomBytes, randomFillSync } from 'node:crypto';
import { sameString } from '../constant-time.js';
import { carryOf, type TokenCarry, type TokenRecord, type TokenStore } from './token-store.js';

/**
 * Random bytes for ids and secrets, drawn from the CSPRNG 4 KiB at a time:
 * each call of randomBytes costs about 2.8 µs whatever its size (a token login
 * makes one or two), one randomFillSync per 128 secrets about as much. Each
 * byte is handed out once (crypto.randomUUID pools the same way).
 */
const pool = Buffer.allocUnsafeSlow(4096);
let poolUsed = pool.length;

/** A fresh random id or secret, base64url (no '.'). */
export function randomId(bytes = 32): string {
  // randomBytes threw on these; the pool's cursor must never move back or become NaN
  if (!Number.isSafeInteger(bytes) || bytes <= 0) throw new RangeError(`randomId: bytes must be a positive integer, got ${bytes}`);
  if (bytes > pool.length) return randomBytes(bytes).toString('base64url');
  if (poolUsed + bytes > pool.length) {
    randomFillSync(pool);
    poolUsed = 0;
  }
  const id = pool.toString('base64url', poolUsed, poolUsed + bytes);
  pool.fill(0, poolUsed, poolUsed + bytes); // a secret handed out does not stay in the pool
  poolUsed += bytes;
  return id;
}

/** SHA-256 of a token secret, hex (one-shot crypto.hash: no Hash object per call). */
export function hashSecret(secret: string): string {
  return hash('sha256', secret, 'hex');
}

/** A new resume token for an ssid and what to store for it, carrying `carry` of the session's identity to a resume. */
export function issueResumeToken(domain: string, name: string, ssid: string, expires: number, carry: TokenCarry = {}): { token: string; record: TokenRecord } {
  const secret = randomId();
  return { token: `r.${ssid}.${secret}`, record: { domain, name, ssid, hash: hashSecret(secret), expires, ...carryOf(carry) } };
}

/** A new single-use login token and what to store for it under `id`. */
export function issueLoginToken(domain: string, name: string, expires: number, extend: Readonly<Record<string, string>> = {}): { token: string; id: string; record: TokenRecord } {
  const id = randomId(16);
  const secret = randomId();
  const record = { domain, name, ssid: '', hash: hashSecret(secret), expires, ...(Object.keys(extend).length ? { extend: { ...extend } } : {}) };
  return { token: `l.${id}.${secret}`, id, record };
}

/** What a presented token turned out to be. */
export type TokenCheck =
  | { readonly kind: 'resume'; readonly ssid: string; readonly hash: string; readonly carry: TokenCarry }
  | { readonly kind: 'login'; readonly extend?: Readonly<Record<string, string>> }
  | { readonly kind: 'invalid' };

/** The text of a gateway token: kind (`r` resume, `l` login), id (the ssid of a resume token), secret. */
export const TOKEN_FORMAT = /^([rl])\.([A-Za-z0-9_-]{1,64})\.([A-Za-z0-9_-]{43})$/;

/** A gateway token as presented, not yet checked: its kind, id (a resume token's ssid) and the SHA-256 of its secret. */
export interface PresentedToken {
  readonly kind: 'r' | 'l';
  readonly id: string;
  readonly hash: string;
}

/** Splits a presented token; null when it does not have the shape of a gateway token. */
export function parseToken(token: string): PresentedToken | null {
  const m = TOKEN_FORMAT.exec(token);
  if (!m) return null;
  const [, kind, id, secret] = m as unknown as [string, 'r' | 'l', string, string];
  return { kind, id, hash: hashSecret(secret) };
}

/**
 * Checks a token presented with name+domain. A login token is consumed by the
 * check (single use) whatever its outcome. A resume token is only looked up:
 * the login step re-checks it atomically (it may be revoked meanwhile).
 */
export async function checkToken(store: TokenStore, domain: string, name: string, token: string, now: number): Promise<TokenCheck> {
  const presented = parseToken(token);
  if (!presented) return { kind: 'invalid' };
  const { kind, id, hash } = presented;
  const rec = kind === 'r' ? await store.getResumeToken(domain, name, id, now) : await store.takeLoginToken(id, domain, name, hash, now);
  if (!rec || rec.domain !== domain || rec.name !== name || !sameString(rec.hash, hash)) return { kind: 'invalid' };
  return kind === 'r' ? { kind: 'resume', ssid: id, hash, carry: carryOf(rec) } : { kind: 'login', ...(rec.extend ? { extend: rec.extend } : {}) };
}
