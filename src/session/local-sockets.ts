/**
 * The node's hub of local sockets: the index of sockets holding a session,
 * the one writer of their login state, and the delivery of notices and kicks
 * to them, here or (through the bus) on the node that holds a session.
 */
import type { Revocation } from '../auth/authenticator.js';
import { CloseCode, KickReason, kickText } from '../errors.js';
import { EventKind, NoticeKind, type AdmEvent, type TimMessage } from '../protocol/types.js';
import { presenceEvent, type CarriedEvent, type NodeCommand } from './bus.js';
import { heldSession, type LoginState } from './login-state.js';
import type { SessionInfo } from './registry.js';
import type { SessionHolder } from './session-holder.js';
import type { SessionDeps } from './session-deps.js';

/** What a presence event says of a session. */
type EventSubject = Pick<SessionInfo, 'domain' | 'name' | 'ssid' | 'resource' | 'termtyp' | 'ip'>;

/** A presence event about to be published, and what the session table's write publishes of it to the other nodes itself (Bus.carry). */
export interface PendingEvent {
  readonly event: AdmEvent;
  readonly carried: CarriedEvent | undefined;
}

/** The sockets of this node that hold a session, and delivery to any session of the cluster. */
export class LocalSockets {
  /**
   * Sockets holding a session (deciding or live) by connection id (a resumed
   * ssid may briefly have two: the new one and the one being replaced).
   */
  readonly byConn = new Map<string, SessionHolder>();
  private noticeSeq: number;

  constructor(private readonly deps: SessionDeps) {
    this.noticeSeq = deps.now() * 1000;
    deps.bus.onCommand((cmd) => this.apply(cmd));
  }

  /** The sessions of this node's sockets, now (those being decided included). */
  sessions(): SessionInfo[] {
    return [...this.byConn.values()].flatMap((c) => heldSession(c.login) ?? []);
  }

  /** True while the table decides the login of socket `connId`. */
  isDeciding(connId: string): boolean {
    return this.byConn.get(connId)?.login.phase === 'deciding';
  }

  /** `conn`'s login goes to the table: it holds `session` from now (a racing login that evicts it must find it). */
  attach(conn: SessionHolder, session: SessionInfo): void {
    conn.login = { phase: 'deciding', session };
    this.byConn.set(conn.connId, conn);
    this.deps.metrics.sessions.set(this.byConn.size);
  }

  /** `conn`'s login was accepted: it is live as `session`. */
  goLive(conn: SessionHolder, session: SessionInfo): void {
    conn.login = { phase: 'live', session };
  }

  /** `conn` holds no session any more and moves to `next` (a closed state is final). */
  detach(conn: SessionHolder, next: LoginState): void {
    if (conn.login.phase !== 'closed') conn.login = next;
    this.byConn.delete(conn.connId);
    this.deps.metrics.sessions.set(this.byConn.size);
  }

  /** `s` with the refreshTime its socket on this node has seen, if later than the table's. */
  withLocalRefresh(s: SessionInfo): SessionInfo {
    const c = s.gateway === this.deps.gatewayId ? this.byConn.get(s.connId) : undefined;
    return c && heldSession(c.login)?.ssid === s.ssid && c.lastSeen > s.refreshTime ? { ...s, refreshTime: c.lastSeen } : s;
  }

  /** Tells the node holding `s` to send KICKED and close it; the table entry is already gone. */
  kick(s: SessionInfo, reason: KickReason, extend: Record<string, string>): void {
    this.deps.metrics.kicks.inc({ reason });
    this.event(EventKind.KICKED, s, reason);
    const cmd: NodeCommand = { kind: 'kick', ssid: s.ssid, connId: s.connId, reason, extend };
    if (!s.revocation || reason === KickReason.RESUMED) return this.send(s, cmd);
    // a kicked JWT session's token is revoked before its socket learns of the kick
    this.deps.authenticator
      .ended(s, this.deps.now())
      .catch((e: unknown) => this.deps.log.warn({ err: e, ssid: s.ssid }, 'could not revoke the JWT of a kicked session'))
      .finally(() => this.send(s, cmd));
  }

  /** Revokes the JWTs that a kick or logout took from sessions of `domain`/`name` that had already closed (Removal.revocations). */
  async endClosed(domain: string, name: string, revocations: readonly Revocation[]): Promise<void> {
    for (const revocation of revocations) {
      await this.deps.authenticator.ended({ domain, name, revocation }, this.deps.now()).catch((e: unknown) => this.deps.log.warn({ err: e }, 'could not revoke the JWT of a closed session'));
    }
  }

  /** Sends a command to the node holding `s` (applied at once when that is this node). */
  send(s: SessionInfo, cmd: NodeCommand): void {
    if (s.gateway === this.deps.gatewayId) {
      this.apply(cmd);
      return;
    }
    this.deps.bus.send(s.gateway, cmd).catch((e: unknown) => this.deps.log.warn({ err: e, gateway: s.gateway }, 'could not reach a gateway node'));
  }

  /** Applies a command to a socket of this node, if that socket still holds the ssid. Returns true if it did. */
  apply(cmd: NodeCommand): boolean {
    const conn = this.byConn.get(cmd.connId);
    if (!conn || heldSession(conn.login)?.ssid !== cmd.ssid) return false;
    if (cmd.kind === 'notice') {
      this.notify(conn, cmd.odType, cmd.dataString, cmd.extend);
      return true;
    }
    this.detach(conn, { phase: 'closed', session: null });
    this.notify(conn, NoticeKind.KICKED, kickText[cmd.reason], { ...cmd.extend, reason: cmd.reason });
    conn.close(CloseCode.KICKED);
    return true;
  }

  /** Sends a system notice to a socket of this node. */
  notify(conn: SessionHolder, odType: number, dataString: string, extend: Readonly<Record<string, string>>): void {
    const message: TimMessage = { msType: 1, odType, id: ++this.noticeSeq, dataString, timestamp: this.deps.now(), extend: { ...extend } };
    this.deps.metrics.notices.inc({ kind: String(odType) });
    conn.notify(message);
  }

  /** Publishes a presence event for ADMSUB subscribers. */
  event(kind: number, s: EventSubject, reason: string): void {
    this.deps.bus.publish(presenceEvent(kind, s, reason, this.deps.now()));
  }

  /** A presence event to publish once the table change it reports is made, with what the table's write can publish of it to the other nodes itself. */
  pending(kind: number, s: EventSubject, reason: string): PendingEvent {
    const event = presenceEvent(kind, s, reason, this.deps.now());
    return { event, carried: this.deps.bus.carry(event) };
  }

  /** Publishes `p` for ADMSUB subscribers: to this node's only when the table's write carried it to the others (see pending()). */
  publish(p: PendingEvent): void {
    this.deps.bus.publish(p.event, p.carried !== undefined);
  }
}
