/**
 * The narrow ports through which gateway tokens (src/auth/token.ts,
 * src/auth/gateway-token.ts) reach the session store: a stored token is
 * looked up or consumed (and what it carries of its session's identity read), nothing more. The
 * session registries implement them; the auth layer never imports them.
 */
import type { LimitsOverride, Revocation } from './authenticator.js';

/** A stored token: the SHA-256 of its secret (hex) and where it leads. */
export interface TokenRecord {
  readonly domain: string;
  readonly name: string;
  /** Resume tokens: the ssid they re-attach to. Login tokens: "". */
  readonly ssid: string;
  readonly hash: string;
  /** ms since epoch. */
  readonly expires: number;
  /**
   * Extend fields the issuer attaches to the session: a login token's
   * (ADMTOKEN extend); a resume token's, those its session's identity brought
   * (auth_url answer, JWT claim, login token), merged over the client's again
   * on a resume.
   */
  readonly extend?: Readonly<Record<string, string>>;
  /** Resume tokens: the per-account limits the session's identity brought, which a resume keeps. */
  readonly limits?: LimitsOverride;
  /** Resume tokens: the session's JWT, which a resume keeps (revoked when the resumed session is kicked or logs out). */
  readonly revocation?: Revocation;
}

/** What a resume token carries of its session's identity to the resumed session. */
export type TokenCarry = Pick<TokenRecord, 'extend' | 'limits' | 'revocation'>;

/** The carried fields of `rec` that are set. */
export function carryOf(rec: TokenCarry): TokenCarry {
  return { ...(rec.extend ? { extend: rec.extend } : {}), ...(rec.limits ? { limits: rec.limits } : {}), ...(rec.revocation ? { revocation: rec.revocation } : {}) };
}

/** What checking a presented token needs of the store. */
export interface TokenStore {
  /** The resume token stored for an ssid, if live. */
  getResumeToken(domain: string, name: string, ssid: string, now: number): Promise<TokenRecord | null>;
  /**
   * Takes (reads and deletes, atomically) a live login token of
   * domain+name whose secret hashes to `hash`. A wrong secret or account
   * leaves the token alone, so knowing an id does not let anyone burn it.
   */
  takeLoginToken(id: string, domain: string, name: string, hash: string, now: number): Promise<TokenRecord | null>;
}

/** What the gateway-token strategy needs of the store: its tokens, and whether it checks them itself. */
export interface GatewayTokenStore extends TokenStore {
  /**
   * True when the store checks a presented token itself, in the login's one
   * atomic step (cluster mode: inside the login script, one round trip): the
   * strategy then only parses the token and hands on its id and hash
   * (Identity.resume, Identity.loginToken). That step refuses a token that is
   * unknown, expired, of another account or revoked with 4115 before anything
   * else, takes a login token once it matches (single use, whatever the
   * outcome), and gives a resume the limits, JWT and extend its token carries
   * (TokenCarry). False or absent: the strategy checks the token first.
   */
  readonly checksTokensAtLogin?: boolean;
}
