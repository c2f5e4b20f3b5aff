/**
 * The session layer of one gateway node, in parts with one concern each:
 * - LocalSockets (local-sockets.ts): the hub of this node's sockets that hold
 *   a session, the one writer of their login state (login-state.ts), and the
 *   delivery of notices and kicks here or over the bus;
 * - LoginFlow (login-flow.ts, login-refusals.ts, in-flight.ts, owed-removals.ts): AUTH from the
 *   rate limits to the table's decision and its effects, a socket's close,
 *   the removals the table refused (retried), and the drain a shutdown waits for;
 * - OwnSessions (own-sessions.ts): SESSIONS, KICK, LOGOUT, and the logouts
 *   kept while the table is unreachable;
 * - SocketReconciler (socket-reconciler.ts): heartbeat touch, the retry of
 *   unfinished logouts (also retried on their own timer), rejoin displacement.
 * SessionService wires them and is what the transport, the HTTP routes and the
 * admin service call. It knows nothing of frames or ws: sockets are
 * SessionHolders and replies are plain TimAck objects.
 */
import type { Revocation } from '../auth/authenticator.js';
import type { Clock } from '../clock.js';
import { ErrorCode, failure, type KickReason } from '../errors.js';
import { failAck } from '../protocol/replies.js';
import { ClientType } from '../protocol/type-codes.js';
import type { TimAck, TimAuth, TimSessions } from '../protocol/types.js';
import type { NodeCommand } from './bus.js';
import { LocalSockets } from './local-sockets.js';
import { LoginFlow } from './login-flow.js';
import { actingSession, heldSession } from './login-state.js';
import { OwnSessions } from './own-sessions.js';
import type { SessionInfo } from './registry.js';
import type { SessionServiceDeps } from './session-deps.js';
import type { SessionHolder } from './session-holder.js';
import { SocketReconciler } from './socket-reconciler.js';

export type { SessionServiceDeps } from './session-deps.js';

/** The session layer of one gateway node. */
export class SessionService {
  /** The hub of this node's sockets that hold a session. */
  readonly hub: LocalSockets;
  /** AUTH, a socket's close, the shutdown drain. */
  readonly logins: LoginFlow;
  /** SESSIONS, KICK, LOGOUT. */
  readonly own: OwnSessions;
  /** Heartbeat touch, unfinished logouts, rejoin displacement. */
  readonly reconciler: SocketReconciler;

  /** The session layer's clock (ms since epoch): sockets stamp the frames and pongs they receive with it. */
  readonly now: Clock;

  constructor(given: SessionServiceDeps) {
    const deps = { ...given, now: given.now ?? Date.now };
    this.now = deps.now;
    this.hub = new LocalSockets(deps);
    this.logins = new LoginFlow(deps, this.hub);
    this.own = new OwnSessions(deps, this.hub);
    this.reconciler = new SocketReconciler(deps.registry, this.hub, this.own);
  }

  /** Sockets of this node holding a session (deciding or live), by connection id. */
  get local(): ReadonlyMap<string, SessionHolder> {
    return this.hub.byConn;
  }

  /** Handles an AUTH frame of `conn`; returns the ACK to send. */
  login(conn: SessionHolder, auth: TimAuth): Promise<TimAck> {
    return this.logins.login(conn, auth);
  }

  /**
   * LOGOUT of the session `conn` holds, or held when it closed (a LOGOUT
   * received before the close is carried out all the same); the caller closes
   * with 4002 after the ACK. A socket that holds none gets 4103.
   */
  async logout(conn: SessionHolder): Promise<TimAck> {
    const s = actingSession(conn.login);
    if (!s) return failAck(ClientType.LOGOUT, failure(ErrorCode.PERMISSION_DENIED));
    this.hub.detach(conn, { phase: 'closed', session: null });
    return this.own.logoutOf(s);
  }

  /** LOGOUT of a session without a socket (GET /api/v1/me/logout). */
  logoutOf(s: SessionInfo): Promise<TimAck> {
    return this.own.logoutOf(s);
  }

  /** SESSIONS of `conn`'s live session. */
  sessions(conn: SessionHolder): Promise<TimSessions> {
    return this.own.sessionsOf(heldSession(conn.login)!);
  }

  /** SESSIONS of session `me` (also one without a socket). */
  sessionsOf(me: SessionInfo): Promise<TimSessions> {
    return this.own.sessionsOf(me);
  }

  /** KICK by session `me` of its own account's sessions. */
  kickOwn(me: SessionInfo, ssids: readonly string[]): Promise<TimAck> {
    return this.own.kickOwn(me, ssids);
  }

  /** A socket closed: its session leaves the table at once (its resume token stays valid). */
  closed(conn: SessionHolder, reason: string): Promise<void> {
    return this.logins.closed(conn, reason);
  }

  /**
   * Shutdown, once this node's sockets are closed: refuses logins not yet
   * sent to the table and waits until those in the table's hands and the
   * removals under way have settled, so that none lands after the node
   * removed its sessions; then stops retrying what the table refused (the
   * node's leave removes its sessions; a logout still owed keeps its token).
   */
  async drain(): Promise<void> {
    await this.logins.inFlight.drain();
    this.logins.owed.stop();
    this.own.unfinishedLogouts.stop();
  }

  /** One heartbeat's reconcile of this node's sockets with the table. */
  reconcile(): Promise<void> {
    return this.reconciler.reconcile();
  }

  /** A live session that lost its place when this node rejoined the cluster (see SocketReconciler.lostPlace). */
  lostPlace(s: SessionInfo, reason: typeof KickReason.DISPLACED | typeof KickReason.REVOKED): void {
    this.reconciler.lostPlace(s, reason);
  }

  /** Kicks `s` wherever it is (the table entry is already gone). */
  kick(s: SessionInfo, reason: KickReason, extend: Record<string, string>): void {
    this.hub.kick(s, reason, extend);
  }

  /** Revokes the JWTs of closed sessions a removal took (Removal.revocations). */
  endClosed(domain: string, name: string, revocations: readonly Revocation[]): Promise<void> {
    return this.hub.endClosed(domain, name, revocations);
  }

  /** Sends a command to the node holding `s`. */
  send(s: SessionInfo, cmd: NodeCommand): void {
    this.hub.send(s, cmd);
  }
}
