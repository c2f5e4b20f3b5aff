import type { Logger } from 'pino';
import type { LoginAuthenticator } from '../auth/login-authenticator.js';
import type { Clock } from '../clock.js';
import type { Config } from '../config/defaults.js';
import type { Metrics } from '../metrics.js';
import type { Bus } from './bus.js';
import type { SessionRegistry } from './registry.js';
import type { TokenIndex } from './token-index.js';

/** Everything the session layer works with. */
export interface SessionServiceDeps {
  readonly config: Config;
  readonly gatewayId: string;
  readonly registry: SessionRegistry;
  /** Where resume tokens presented alone are looked up (HTTP introspection, /api/v1/me). */
  readonly tokenIndex: TokenIndex;
  readonly bus: Bus;
  readonly authenticator: LoginAuthenticator;
  readonly metrics: Metrics;
  readonly log: Logger;
  /** The time the session layer goes by (Date.now unless a test injects a fake clock). */
  readonly now?: Clock;
}

/** The deps as the parts of the session layer use them: the clock filled in. */
export type SessionDeps = SessionServiceDeps & { readonly now: Clock };
