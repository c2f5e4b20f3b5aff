/**
 * Resume tokens presented alone (HTTP introspection, /api/v1/me): is this a
 * live resume token right now, whose, and is its session online. Costs one
 * index lookup (TokenIndex) and one look at the account (its token record and
 * its few sessions): no search of the table. The account's token record is
 * the authority, so a token is dead the moment a logout, a kick (any reason)
 * or its expiry removed that record.
 */
import { hashSecret, TOKEN_FORMAT } from '../auth/token.js';
import { sameString } from '../constant-time.js';
import type { Revocation } from '../auth/authenticator.js';
import type { SessionInfo, SessionRegistry } from './registry.js';
import type { TokenIndex, TokenOwner } from './token-index.js';

/** A live resume token: its account and device, expiry, and its session when listed (online). */
export interface LiveToken {
  readonly owner: TokenOwner;
  readonly ssid: string;
  /** ms since epoch. */
  readonly expires: number;
  readonly session: SessionInfo | null;
  /** The JWT the token's session logged in with (what a logout revokes), if any. */
  readonly revocation?: Revocation;
}

/** Finds live resume tokens by their text. */
export class ResumeTokens {
  constructor(
    private readonly registry: SessionRegistry,
    private readonly index: TokenIndex,
  ) {}

  /** The live resume token `token` is, or null (malformed, not a resume token, unknown, revoked, expired). Store failures throw. */
  async find(token: string, now: number): Promise<LiveToken | null> {
    const m = TOKEN_FORMAT.exec(token);
    if (!m || m[1] !== 'r') return null;
    const ssid = m[2]!;
    const owner = await this.index.get(ssid);
    if (!owner) return null;
    const [rec, sessions] = await Promise.all([this.registry.getResumeToken(owner.domain, owner.name, ssid, now), this.registry.list(owner.domain, owner.name)]);
    if (!rec || !sameString(rec.hash, hashSecret(m[3]!))) return null;
    return { owner, ssid, expires: rec.expires, session: sessions.find((s) => s.ssid === ssid) ?? null, ...(rec.revocation ? { revocation: rec.revocation } : {}) };
  }
}
