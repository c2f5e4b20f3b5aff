/**
 * The one authenticator interface of the login flow. Each strategy (users
 * file, gateway tokens, auth_url, JWT) lives in its own file and answers with
 * an AuthOutcome; src/auth/login-authenticator.ts routes each AUTH to one.
 */
import type { DomainOverrides } from '../config/defaults.js';
import type { TimFailure } from '../errors.js';

/** What a client presented in its AUTH, and from where. */
export interface Credentials {
  readonly domain: string;
  readonly name: string;
  readonly pwd: string;
  readonly token: string;
  readonly resource: string;
  readonly termtyp: number;
  readonly ip: string;
  readonly extend: Readonly<Record<string, string>>;
  /** False once the asking socket has closed: a check still waiting for its turn is then dropped. */
  readonly live?: () => boolean;
}

/** Per-account limits an identity brings for this login, over the domain's (auth_url answer, JWT claims). */
export type LimitsOverride = Pick<DomainOverrides, 'device_limit' | 'devicetype_limit' | 'overentry'>;

/** What ends a JWT when its session is kicked or logs out: its jti (or hash) and its expiry (ms). */
export interface Revocation {
  readonly key: string;
  readonly expires: number;
}

/** An accepted login: what the identity adds to the session. */
export interface Identity {
  /** A resume token: the ssid it re-attaches to and its hash (checked again atomically by the registry). */
  readonly resume?: { readonly ssid: string; readonly hash: string };
  /**
   * A login token the store takes in the login step (a store that checks
   * tokens at login, GatewayTokenStore.checksTokensAtLogin): its id and the
   * hash of the presented secret.
   */
  readonly loginToken?: { readonly id: string; readonly hash: string };
  /** Extend kept on the session, over the client's. */
  readonly extend?: Readonly<Record<string, string>>;
  readonly limits?: LimitsOverride;
  /** Set for a JWT login: revoked when the session is kicked or logs out. */
  readonly revocation?: Revocation;
}

/** The answer of a strategy: accepted, or refused with a wire failure and an event reason. */
export type AuthOutcome =
  | { readonly ok: true; readonly identity: Identity }
  | { readonly ok: false; readonly failure: TimFailure; readonly reason: string };

/** Checks credentials. Throws only when a store it needs is unreachable (the login answers 5104). */
export interface Authenticator {
  authenticate(c: Credentials, now: number): Promise<AuthOutcome>;
}

/** A refusal outcome. */
export function refuse(failure: TimFailure, reason: string): AuthOutcome {
  return { ok: false, failure, reason };
}

/** An accepted outcome. */
export function accept(identity: Identity = {}): AuthOutcome {
  return { ok: true, identity };
}
