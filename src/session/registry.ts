/**
 * The session table behind one asynchronous interface: what both modes need.
 * The in-memory implementation (one node) and the Redis one (a cluster) both
 * satisfy it and the shared conformance suite (test/registry-conformance.ts);
 * what only cluster mode needs (restore, reap) is ClusterRegistry
 * (cluster-registry.ts). Each method that decides (login, remove) is one
 * atomic step per account.
 */
import type { LimitsOverride, Revocation } from '../auth/authenticator.js';
import type { TokenRecord, TokenStore } from '../auth/token-store.js';
import type { Limits } from '../policy/login-policy.js';
import type { CarriedEvent } from './bus.js';

/** One logged-in session, as stored in the table. */
export interface SessionInfo {
  readonly ssid: string;
  readonly domain: string;
  readonly name: string;
  readonly resource: string;
  readonly termtyp: number;
  /** ms since epoch. */
  readonly loginTime: number;
  /** ms since epoch of the last frame or pong seen. */
  readonly refreshTime: number;
  readonly ip: string;
  /** Id of the gateway node holding the socket. */
  readonly gateway: string;
  /** Id of the connection on that node: a resumed ssid gets a new one, so an old socket's close cannot remove it. */
  readonly connId: string;
  /** TimAuth.extend kept on the session (with an admin login token's extend over it); absent = none. */
  readonly extend?: Readonly<Record<string, string>>;
  /** Per-account limits the identity brought (auth_url answer, JWT claims); a re-registration uses them too. */
  readonly limits?: LimitsOverride;
  /** A JWT login: revoked when the session is kicked or logs out. */
  readonly revocation?: Revocation;
}

/**
 * Resume tokens of sessions that are no longer in the table (closed cleanly,
 * waiting to be resumed) kept per account; beyond, the ones expiring first are
 * dropped, so logging in again and again cannot grow the table. Tokens of
 * listed sessions are never dropped. (src/session/lua/lib.lua has the same
 * number; the conformance suite checks both.)
 */
export const MAX_IDLE_RESUME_TOKENS = 16;

export type { TokenRecord };

/** One login attempt, already authenticated. */
export interface LoginRequest {
  /** The new session (its ssid chosen by the caller, or the resumed one). */
  readonly session: SessionInfo;
  readonly limits: Limits;
  /** Own ssids to log out first (AUTH `kick`). */
  readonly kick: readonly string[];
  /**
   * Set for a resume: the hash of the presented token. The login fails with
   * 4115 unless that token is still stored for this ssid; if the ssid is still
   * in the table it is replaced in place (keeping its loginTime), decided
   * against the limits next to the account's other sessions like any login
   * (its termtyp may have changed).
   */
  readonly resumeHash?: string;
  /**
   * Only for a store that checks tokens at login (checksTokensAtLogin): the
   * login token to take in this step, decided before anything else (4115
   * unless it is live for this account); its extend goes over the session's.
   * Such a store also gives a resume the limits, JWT and extend its token
   * carries (TokenCarry) when the request brings none.
   */
  readonly loginToken?: { readonly id: string; readonly hash: string };
  /**
   * The resume token of the new session, stored in the same atomic step as
   * the insert (replacing any token of that ssid), so that a concurrent kick
   * that revokes it can never be undone by a late token write.
   */
  readonly token: TokenRecord;
  readonly now: number;
  /** The ONLINE event the table publishes to the other nodes itself when it accepts the login (Bus.carry; a table with no other node ignores it). */
  readonly announce?: CarriedEvent;
}

/** The tokens a login presented, which its withdrawal gives back (SessionRegistry.withdraw). */
export type LoginUsed = Pick<LoginRequest, 'resumeHash' | 'loginToken'>;

/** Outcome of a login. */
export type LoginResult =
  | {
      readonly ok: true;
      /** Sessions logged out from the `kick` list (reason "session"). */
      readonly removed: readonly SessionInfo[];
      /** Sessions evicted by the policy in kick mode (reason "new_login"). */
      readonly evicted: readonly SessionInfo[];
      /** A resume that replaced a still-listed session: the old record (its socket must close). */
      readonly replaced: SessionInfo | null;
      /** The session as stored, when the store completed the request's (checksTokensAtLogin); absent: the request's, with `replaced`'s loginTime. */
      readonly session?: SessionInfo;
      /** True when the store also pointed the new resume token at its account (TokenIndex) in the same step; else the caller does. */
      readonly indexed?: boolean;
    }
  | {
      readonly ok: false;
      /** 4110 blocked account, 4111 over entry, 4115 resume token gone, 5104 resume token just replaced by a login that may be withdrawn (try again). */
      readonly code: 4110 | 4111 | 4115 | 5104;
      /** On 4111: the sessions that block, oldest first. */
      readonly blocking: readonly SessionInfo[];
      /** Sessions logged out from the `kick` list even though the login then failed. */
      readonly removed: readonly SessionInfo[];
    };

/** Table-wide counts for ADMSTATS and /metrics. */
export interface RegistryStats {
  readonly sessions: number;
  readonly accounts: number;
  readonly perDomain: Readonly<Record<string, number>>;
  /** Live gateway nodes (1 in embedded mode). */
  readonly gateways: number;
  /** Live resume and login tokens. */
  readonly tokens: number;
  /** Resume and login tokens stored: live, or expired and not yet removed (GET /api/v1/token-stats). */
  readonly storedTokens: number;
}

/** A change to one session's refreshTime, from the socket `connId` that holds it. */
export interface Touch {
  readonly domain: string;
  readonly name: string;
  readonly ssid: string;
  readonly connId: string;
  readonly time: number;
}

/** What removeSessions took. */
export interface Removal {
  /** The listed sessions it logged out, oldest first. */
  readonly sessions: SessionInfo[];
  /** The JWTs of the sessions that had already closed whose resume tokens it revoked (a kick or logout ends them too). */
  readonly revocations: Revocation[];
}

/** The session table. All methods are async so that a networked store can implement them. */
export interface SessionRegistry extends TokenStore {
  /** Atomically: blocked check, resume token check, `kick` removals, limit decision, evictions, insert. */
  login(req: LoginRequest): Promise<LoginResult>;
  /** Removes a session if `connId` still owns it (socket closed), publishing `announce` (its OFFLINE, Bus.carry) if it does. Returns the removed record. */
  remove(domain: string, name: string, ssid: string, connId: string, announce?: CarriedEvent): Promise<SessionInfo | null>;
  /**
   * Takes back login `s` (as sent to login(), with `now` = s.loginTime) that
   * its node gave up on: its record goes if the table wrote it, and a late
   * execution of that login writes none (a networked store may still carry it
   * out after the caller's timeout). A record that goes also gives back what
   * its login used up, since its client never received the new resume token:
   * `used` is what the login presented (as in its LoginRequest). A resume's
   * presented token is stored again in place of the new one, until the new
   * one's expiry (no longer than the login would have granted); a login
   * token taken in the login step is put back; otherwise the new token goes.
   * A record that goes is announced to the other nodes with `announce` (its
   * OFFLINE, Bus.carry: they were told of the login by its own announce).
   * Returns the removed record.
   */
  withdraw(s: SessionInfo, used?: LoginUsed, announce?: CarriedEvent): Promise<SessionInfo | null>;
  /**
   * Logs sessions out and revokes their resume tokens: the listed ssids, or,
   * when `ssids` is null, every session of the account and every resume token
   * it has (also those of sessions that already closed).
   */
  removeSessions(domain: string, name: string, ssids: readonly string[] | null): Promise<Removal>;
  /** The sessions of `domain` with these ssids, whatever their account (admin requests by ssid). */
  findSessions(domain: string, ssids: readonly string[]): Promise<SessionInfo[]>;
  /** The account's sessions, oldest first. */
  list(domain: string, name: string): Promise<SessionInfo[]>;
  /**
   * Moves refreshTime of sessions forward (batched by callers) and returns
   * the touches whose session the table no longer lists for that socket: a
   * kick or logout whose delivery to the socket was lost, so the caller can
   * close it.
   */
  touch(touches: readonly Touch[]): Promise<Touch[]>;
  /** Counts over the whole table. */
  stats(now: number): Promise<RegistryStats>;

  /**
   * Removes expired resume and login tokens now, a bounded amount of work
   * per call (cluster mode: found by expiry, never by a scan; a later call
   * removes what is left). Returns how many it removed.
   */
  removeExpiredTokens(now: number): Promise<number>;

  /** Stores a single-use login token under an id. */
  putLoginToken(id: string, rec: TokenRecord): Promise<void>;

  /** Refuses logins of an account until `until` (ms); 0 lifts the block. */
  block(domain: string, name: string, until: number): Promise<void>;

  /** Releases resources (timers, connections). */
  close(): Promise<void>;
}
