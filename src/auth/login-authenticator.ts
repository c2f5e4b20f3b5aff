/**
 * The authenticator of the login flow: routes each AUTH to one strategy.
 * name+pwd goes to auth_url when it is set, else to the users file. A token
 * shaped like a gateway token is checked as one; a JWT (when `jwt` is set) is
 * verified, and one that fails goes to auth_url when set (4115 otherwise); a
 * revoked JWT is 4115 whatever else is configured. Other tokens go to
 * auth_url, or are 4115.
 */
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import type { Config } from '../config/defaults.js';
import { configPath } from '../config/load.js';
import { ErrorCode, failure } from '../errors.js';
import { refuse, type AuthOutcome, type Authenticator, type Credentials, type Revocation } from './authenticator.js';
import { AuthUrlAuthenticator } from './auth-url.js';
import { GatewayTokenAuthenticator, isGatewayToken } from './gateway-token.js';
import { looksLikeJwt } from './jwt-shape.js';
import type { JwtRevocations } from './jwt-revocations.js';
import { PasswordAuthenticator } from './password.js';
import { PasswordChecks, type PasswordCheckLimiter } from './password-checks.js';
import type { GatewayTokenStore } from './token-store.js';

/** What the login authenticator is built from. */
export interface LoginAuthenticatorDeps {
  readonly config: Config;
  readonly gatewayId: string;
  /** The session table, seen through the gateway tokens' port. */
  readonly registry: GatewayTokenStore;
  readonly revocations: JwtRevocations;
  readonly log: Logger;
  /** Where auth_url metrics register. */
  readonly metrics: Registry;
  /** The node's bound on password checks (users file), shared with operator sign-ins. */
  readonly passwordChecks: PasswordCheckLimiter;
}

/** A session whose identity may need ending. */
type EndedSession = { readonly domain: string; readonly name: string; readonly revocation?: Revocation };

/** Routes AUTHs to the configured strategies; ends JWTs of kicked and logged-out sessions. */
export class LoginAuthenticator implements Authenticator {
  private readonly passwords: Authenticator;
  private readonly gatewayTokens: Authenticator;
  private readonly authUrl: AuthUrlAuthenticator | null;
  private readonly jwt: Authenticator | null;
  private readonly revocations: JwtRevocations;

  private constructor(deps: LoginAuthenticatorDeps, jwt: Authenticator | null) {
    const { config } = deps;
    this.authUrl = config.auth_url !== undefined ? new AuthUrlAuthenticator(config, deps.gatewayId, deps.log, deps.metrics) : null;
    this.passwords = this.authUrl ?? new PasswordChecks(new PasswordAuthenticator(configPath(config, config.users), deps.log), deps.passwordChecks);
    this.gatewayTokens = new GatewayTokenAuthenticator(deps.registry);
    this.jwt = jwt;
    this.revocations = deps.revocations;
  }

  /** Builds the authenticator; the JWT strategy (and jose with it) is loaded only when `jwt` is set. */
  static async create(deps: LoginAuthenticatorDeps): Promise<LoginAuthenticator> {
    const { config } = deps;
    const jwt = config.jwt ? new (await import('./jwt.js')).JwtAuthenticator(config, config.jwt, deps.revocations) : null;
    return new LoginAuthenticator(deps, jwt);
  }

  async authenticate(c: Credentials, now: number): Promise<AuthOutcome> {
    if (c.token === '') return this.passwords.authenticate(c, now);
    if (isGatewayToken(c.token)) return this.gatewayTokens.authenticate(c, now);
    if (this.jwt && looksLikeJwt(c.token)) {
      const verdict = await this.jwt.authenticate(c, now);
      if (verdict.ok || !this.authUrl || verdict.reason === 'revoked_token') return verdict;
    }
    return this.authUrl ? this.authUrl.authenticate(c) : refuse(failure(ErrorCode.ERROR_TOKEN), 'bad_token');
  }

  /**
   * A session was kicked or logged out: the JWT it logged in with (if any) is
   * revoked until it expires, on every node.
   */
  async ended(s: EndedSession, now: number): Promise<void> {
    if (s.revocation) await this.revocations.revoke(s.domain, s.name, s.revocation, now);
  }

  /** Releases keep-alive connections. */
  close(): void {
    this.authUrl?.close();
  }
}
