/**
 * How cluster mode's records look in Redis (src/session/redis-registry.ts):
 * session JSON with its registration time, resume token JSON, and the checks
 * made on them outside the scripts.
 */
import { carryOf } from '../auth/token-store.js';
import { isWellFormed } from '../policy/clean-text.js';
import { wellFormed } from './redis-keys.js';
import type { SessionInfo, TokenRecord } from './registry.js';

/** Oldest first (login-policy.ts byAge). */
export const byAge = (a: SessionInfo, b: SessionInfo): number => a.loginTime - b.loginTime || (a.ssid < b.ssid ? -1 : 1);

/** A plain object with its keys well-formed (the same object, nothing allocated, when they are: every record on a login's path). */
function wellFormedKeys(o: object): object {
  for (const k in o) if (!isWellFormed(k)) return Object.fromEntries(Object.entries(o).map(([key, x]) => [wellFormed(key), x]));
  return o;
}

/** JSON.stringify's replacer that makes every string, keys too, well-formed. */
const wellFormedValue = (_k: string, x: unknown): unknown =>
  typeof x === 'string' ? wellFormed(x) : x !== null && typeof x === 'object' && !Array.isArray(x) ? wellFormedKeys(x) : x;

/**
 * JSON of `v` with every string, keys too, well-formed: Redis' cjson refuses
 * the escape of a lone surrogate, and the scripts compare strings with their
 * UTF-8 arguments. JSON.stringify writes a lone surrogate as `\udXXX`, so
 * JSON without that sequence is kept as it is; the replacer, a call per
 * value, runs only for JSON with one (or with a `\ud` typed as text).
 */
export function wellFormedJson(v: unknown): string {
  const json = JSON.stringify(v);
  return json.includes('\\ud') ? JSON.stringify(v, wellFormedValue) : json;
}

/** A session's JSON in Redis: the record plus `reg`, when its node (re)registered it. */
export function encodeSession(s: SessionInfo, reg: number): string {
  const { ssid, domain, name, resource, termtyp, loginTime, refreshTime, ip, gateway, connId, extend, limits, revocation } = s;
  return wellFormedJson({ ssid, domain, name, resource, termtyp, loginTime, refreshTime, ip, gateway, connId, ...(extend ? { extend } : {}), ...(limits ? { limits } : {}), ...(revocation ? { revocation } : {}), reg });
}

/** A session record from its JSON in Redis. */
export function decodeSession(raw: string): SessionInfo {
  const { reg: _reg, ...s } = JSON.parse(raw) as SessionInfo & { reg: number };
  return s;
}

/** A resume token's JSON in Redis (the account and ssid are in the key and field). */
export const encodeToken = (rec: TokenRecord): string => wellFormedJson({ hash: rec.hash, expires: rec.expires, ...carryOf(rec) });

/** Session records from a script's list of JSON strings. */
export const decodeAll = (raws: unknown): SessionInfo[] => (raws as string[]).map(decodeSession);

/** True for a session of a node whose lease expired before it registered the session again (lua/lib.lua is_ghost). */
export function isGhost(raw: string, dead: Record<string, number>): boolean {
  const s = JSON.parse(raw) as { gateway: string; reg?: number };
  const expiry = dead[s.gateway];
  return expiry !== undefined && (s.reg ?? 0) < expiry;
}
