/**
 * Strategy: the gateway's own tokens (resume tokens and admin-issued login
 * tokens, src/auth/token.ts). A resume keeps the limits, the JWT and the
 * extend of its session's identity: the resume token carries them, also
 * after the session left the table (a clean close).
 */
import { ErrorCode, failure } from '../errors.js';
import { accept, refuse, type AuthOutcome, type Authenticator, type Credentials } from './authenticator.js';
import { checkToken, parseToken } from './token.js';
import type { GatewayTokenStore } from './token-store.js';

/** True when `token` has the shape of a gateway token (`r.…` or `l.…`), whether or not it is live. */
export function isGatewayToken(token: string): boolean {
  return /^[rl]\.[A-Za-z0-9_-]{1,64}\.[A-Za-z0-9_-]{43}$/.test(token);
}

/** Accepts live resume and login tokens of the presented account; anything else is 4115. */
export class GatewayTokenAuthenticator implements Authenticator {
  constructor(private readonly registry: GatewayTokenStore) {}

  async authenticate(c: Credentials, now: number): Promise<AuthOutcome> {
    if (this.registry.checksTokensAtLogin) return this.deferred(c.token);
    const check = await checkToken(this.registry, c.domain, c.name, c.token, now);
    if (check.kind === 'invalid') return refuse(failure(ErrorCode.ERROR_TOKEN), 'bad_token');
    if (check.kind === 'resume') {
      // the token carries its identity (a store that checks tokens here is in-process: no token predates that)
      return accept({ resume: { ssid: check.ssid, hash: check.hash }, ...check.carry });
    }
    return accept(check.extend ? { extend: check.extend } : {});
  }

  /** The store checks the token in the login step: it is only parsed here (no read of the store). */
  private deferred(token: string): AuthOutcome {
    const presented = parseToken(token);
    if (!presented) return refuse(failure(ErrorCode.ERROR_TOKEN), 'bad_token');
    const { kind, id, hash } = presented;
    return accept(kind === 'r' ? { resume: { ssid: id, hash } } : { loginToken: { id, hash } });
  }
}
