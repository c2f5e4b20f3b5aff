/**
 * One account of the embedded session table (src/session/memory-registry.ts):
 * its sessions and resume tokens, and the token bookkeeping every login does,
 * kept cheap because it runs on each decision.
 */
import { MAX_IDLE_RESUME_TOKENS, type SessionInfo, type TokenRecord } from './registry.js';

/** The sessions, resume tokens and block of one account. */
export interface Account {
  readonly sessions: Map<string, SessionInfo>;
  /** Resume tokens by ssid: they outlive a cleanly closed session. */
  readonly tokens: Map<string, TokenRecord>;
  /** No token expires before this (ms; a lower bound): until then the tokens need no scan for expired ones. */
  tokensValidUntil: number;
  blockedUntil: number;
}

/** An account holding nothing. */
export const emptyAccount = (): Account => ({ sessions: new Map(), tokens: new Map(), tokensValidUntil: Infinity, blockedUntil: 0 });

/** Drops the account's expired tokens (looking only once one may have expired); returns how many. */
export function dropExpiredTokens(acc: Account, now: number): number {
  if (acc.tokensValidUntil > now) return 0;
  let removed = 0;
  let validUntil = Infinity;
  for (const [ssid, t] of acc.tokens) {
    if (t.expires > now) validUntil = Math.min(validUntil, t.expires);
    else if (acc.tokens.delete(ssid)) removed++;
  }
  acc.tokensValidUntil = validUntil;
  return removed;
}

/** Stores a resume token, dropping the idle ones (of unlisted sessions) that expire first beyond MAX_IDLE_RESUME_TOKENS. */
export function storeToken(acc: Account, rec: TokenRecord): void {
  acc.tokens.set(rec.ssid, rec);
  if (rec.expires < acc.tokensValidUntil) acc.tokensValidUntil = rec.expires;
  if (acc.tokens.size <= MAX_IDLE_RESUME_TOKENS) return; // cannot be over the cap: no need to look
  const idle = [...acc.tokens.values()].filter((t) => !acc.sessions.has(t.ssid));
  if (idle.length <= MAX_IDLE_RESUME_TOKENS) return;
  idle.sort((a, b) => a.expires - b.expires || (a.ssid < b.ssid ? -1 : 1));
  for (const t of idle.slice(0, idle.length - MAX_IDLE_RESUME_TOKENS)) acc.tokens.delete(t.ssid);
}
