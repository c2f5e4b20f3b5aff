/**
 * The login decision as a pure function: given an account's current sessions,
 * the incoming login's termtyp and the effective limits, accept (possibly
 * evicting the oldest sessions, in kick mode) or refuse as over entry, naming
 * the sessions that block. No I/O, no clock: `now` is an argument.
 */

/** The limits and policy in force for one account (global keys merged with its domain's overrides). */
export interface Limits {
  /** Sessions in total (device_limit). */
  readonly deviceLimit: number;
  /** Sessions per termtyp; termtyp 0 is not counted per type (devicetype_limit). */
  readonly typeLimit: number;
  /** "reject": over entry is refused (4111). "kick": the oldest blocking sessions are evicted. */
  readonly mode: 'reject' | 'kick';
  /** A session younger than this (ms) is never evicted; the newcomer is refused instead (auth_min_unix). */
  readonly minAgeMs: number;
}

/** What the policy needs to know of a session. */
export interface PolicySession {
  readonly ssid: string;
  readonly termtyp: number;
  readonly loginTime: number;
}

/** The decision: accept (evicting `evict`, oldest first) or refuse because of `blocking`. */
export type Decision<S extends PolicySession> =
  | { readonly accept: true; readonly evict: readonly S[] }
  | { readonly accept: false; readonly blocking: readonly S[] };

/** The answer when nothing is over the limits (shared: decisions are read-only). */
const ACCEPT: Decision<never> = Object.freeze({ accept: true, evict: Object.freeze([]) as readonly never[] });

const byAge = (a: PolicySession, b: PolicySession): number =>
  a.loginTime - b.loginTime || (a.ssid < b.ssid ? -1 : a.ssid > b.ssid ? 1 : 0);

/**
 * Decides a login. Over entry means the new session would make the account
 * exceed `deviceLimit`, or (termtyp != 0) exceed `typeLimit` sessions of its
 * termtyp. Refused logins list as blocking the sessions of that termtyp (type
 * conflict only) or all sessions (total conflict), oldest first. In kick mode
 * only what is needed is evicted: the oldest of the termtyp for a type
 * conflict, then the oldest remaining for a total conflict; if any of those is
 * younger than `minAgeMs` nothing is evicted and the login is refused.
 */
export function decideLogin<S extends PolicySession>(
  sessions: readonly S[],
  termtyp: number,
  limits: Limits,
  now: number,
): Decision<S> {
  let sameCount = 0;
  if (termtyp !== 0) for (const s of sessions) if (s.termtyp === termtyp) sameCount++;
  const typeExcess = termtyp === 0 ? 0 : Math.max(0, sameCount - limits.typeLimit + 1);
  const totalExcess = Math.max(0, sessions.length - limits.deviceLimit + 1);
  if (typeExcess === 0 && totalExcess === 0) return ACCEPT; // the common case allocates nothing
  const refuse = (): Decision<S> => ({
    accept: false,
    blocking: (totalExcess > 0 ? [...sessions] : sessions.filter((s) => s.termtyp === termtyp)).sort(byAge),
  });
  if (limits.mode === 'reject') return refuse();

  const oldestFirst = sessions.length === 1 ? sessions : [...sessions].sort(byAge);
  const evict: S[] = [];
  for (const s of oldestFirst) if (evict.length < typeExcess && s.termtyp === termtyp) evict.push(s);
  let stillOver = Math.max(0, sessions.length - evict.length - limits.deviceLimit + 1);
  for (const s of oldestFirst) {
    if (stillOver === 0) break;
    if (!evict.includes(s)) {
      evict.push(s);
      stillOver--;
    }
  }
  // minAgeMs 0 means no guard, even for a session stamped after `now` (another node's clock order)
  if (limits.minAgeMs > 0 && evict.some((s) => now - s.loginTime < limits.minAgeMs)) return refuse();
  return { accept: true, evict };
}
