/**
 * One client socket: bad-frame counting, the meaning of each client frame and
 * heartbeat bookkeeping, on a FramedSocket (framing, AUTH deadline, in-order
 * handling, send-buffer cap). What a frame does is the session layer's business.
 */
import type { Logger } from 'pino';
import type { Config } from '../config/defaults.js';
import { CloseCode, closeCodes, ErrorCode, failure } from '../errors.js';
import type { Metrics } from '../metrics.js';
import { checkKickList } from '../policy/auth-bounds.js';
import { isUndecodable } from '../protocol/codec.js';
import { failAck } from '../protocol/replies.js';
import { ClientType } from '../protocol/type-codes.js';
import type { TimAck, TimAuth, TimMessage } from '../protocol/types.js';
import { actingSession, heldSession, UNAUTHENTICATED, type LoginState } from '../session/login-state.js';
import type { SessionHolder } from '../session/session-holder.js';
import type { SessionService } from '../session/session-service.js';
import { FramedSocket, type CarrierSocket, type SocketHost } from './framed-socket.js';
import { SocketFraming, type Frame } from './framing.js';

/** A client socket and its protocol state. */
export class ClientConnection extends FramedSocket<'clientIn', 'clientOut'> implements SessionHolder {
  login: LoginState = UNAUTHENTICATED;
  /** When this socket last received a frame or a pong (the session layer's clock). */
  lastSeen: number;
  /** Server pings not answered by a pong yet. */
  unansweredPings = 0;
  /** Set once a close reason is known, for the OFFLINE event. */
  closeCause = 'closed';
  private badFrames = 0;
  /** The AUTH in hand: none, one being decided, or one being decided when auth_timeout passed ('late'). */
  private authing: 'none' | 'deciding' | 'late' = 'none';

  constructor(
    ws: CarrierSocket,
    readonly connId: string,
    readonly ip: string,
    config: Config,
    private readonly service: SessionService,
    private readonly metrics: Metrics,
    /** The server's logger; this socket's child of it is made when first needed. */
    private readonly parentLog: Logger,
    /** The client server: told when AUTH succeeds (it stops counting the socket as unauthenticated) and when the socket is gone. */
    private readonly host: SocketHost<ClientConnection>,
  ) {
    super(ws, config, new SocketFraming('clientIn', 'clientOut', ClientType.AUTH));
    this.lastSeen = service.now();
  }

  protected override pong(): void {
    this.unansweredPings = 0;
    this.lastSeen = this.service.now();
  }

  protected override socketError(err: Error): void {
    this.debug({ err }, 'socket error');
    if ((err as { code?: string }).code === 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH') this.closeCause = 'too_big';
  }

  private childLog: Logger | undefined;

  /**
   * This socket's child logger (conn, ip, and once logged in ssid, name,
   * domain), made on first use: most sockets never log a line, and a child
   * per socket costs memory and CPU at accept.
   */
  get log(): Logger {
    const s = heldSession(this.login);
    return (this.childLog ??= this.parentLog.child(s ? { conn: this.connId, ip: this.ip, ssid: s.ssid, name: s.name, domain: s.domain } : { conn: this.connId, ip: this.ip }));
  }

  /** A debug line, without making the child logger when debug is off. */
  private debug(obj: object, msg: string): void {
    if (this.parentLog.isLevelEnabled('debug')) this.log.debug(obj, msg);
  }

  protected get open(): boolean {
    return heldSession(this.login) !== null;
  }

  protected override received(): void {
    this.lastSeen = this.service.now();
  }

  protected handlerFailed(_frame: Frame<'clientIn'>, err: unknown): void {
    this.log.error({ err }, 'frame handler failed');
    this.sendAck(failAck(0, failure(ErrorCode.UNDEFINED)));
  }

  /**
   * An AUTH that arrived in time is not cut off by auth_timeout while the table
   * decides it: had the socket closed meanwhile, a login accepted anyway would
   * have to be taken back, and the client's retry (on another node, say) could
   * find its resume token replaced by one it never got. The deadline then
   * closes the socket once that AUTH is answered, unless it succeeded.
   */
  protected override authDeadlinePassed(): void {
    if (this.authing === 'deciding') this.authing = 'late';
    else super.authDeadlinePassed();
  }

  private async authenticate(auth: TimAuth): Promise<void> {
    this.authing = 'deciding';
    let ack: TimAck | undefined;
    try {
      ack = await this.service.login(this, auth);
      if (ack.ok) {
        this.stopAuthTimer();
        this.host.authenticated(this);
        this.childLog = undefined; // from now on its lines name the session
        this.debug({}, 'logged in');
      }
      this.sendAck(ack);
    } finally {
      this.authAnswered(ack?.ok === true);
    }
  }

  /** The AUTH in hand was answered (or failed): if auth_timeout passed while it was decided and it did not succeed, 4003. */
  private authAnswered(ok: boolean): void {
    const late = this.authing === 'late';
    this.authing = 'none';
    if (late && !ok) this.close(CloseCode.AUTH_TIMEOUT);
  }

  protected async handle(frame: Frame<'clientIn'>): Promise<void> {
    if (isUndecodable(frame)) return this.bad(Math.max(0, frame.type), frame.error);
    if (this.closed) return this.carryOut(frame);
    const { type } = frame;
    if (frame.type === ClientType.PING) {
      if (heldSession(this.login)) this.send(ClientType.PING, {});
      return;
    }
    if (frame.type === ClientType.AUTH) return this.authenticate(frame.payload);
    const me = heldSession(this.login);
    if (!me) return this.bad(type, 'not logged in', ErrorCode.PERMISSION_DENIED);
    try {
      switch (frame.type) {
        case ClientType.LOGOUT:
          this.sendAck(await this.service.logout(this));
          this.close(CloseCode.LOGGED_OUT);
          return;
        case ClientType.SESSIONS:
          this.send(ClientType.SESSIONS, await this.service.sessions(this));
          return;
        case ClientType.KICK: {
          const ssids = frame.payload.ssid;
          const tooMany = checkKickList('ssid', ssids, this.config);
          this.sendAck(tooMany ? failAck(type, tooMany) : await this.service.kickOwn(me, ssids));
          return;
        }
      }
    } catch (err) {
      // the only thing these requests wait on is the session store
      this.log.warn({ err, type }, 'session store failed a request');
      this.sendAck(failAck(type, failure(ErrorCode.HEAVY_LOAD)));
      if (type === ClientType.LOGOUT) this.close(CloseCode.LOGGED_OUT);
    }
  }

  /**
   * A LOGOUT or KICK received before the socket closed is carried out all the
   * same (no reply: there is no one to send it to), as the session the socket
   * held when it closed; a socket that was kicked held none.
   */
  private async carryOut(frame: Frame<'clientIn'>): Promise<void> {
    const s = actingSession(this.login);
    if (!s || isUndecodable(frame)) return;
    try {
      if (frame.type === ClientType.LOGOUT) await this.service.logout(this);
      if (frame.type === ClientType.KICK && !checkKickList('ssid', frame.payload.ssid, this.config)) await this.service.kickOwn(s, frame.payload.ssid);
    } catch (err) {
      this.log.warn({ err, type: frame.type }, 'session store failed a request of a closed socket');
    }
  }

  /** Answers a bad frame with a failed ACK and closes the socket after `max_bad_frames` of them. */
  private bad(type: number, why: string, code: ErrorCode = ErrorCode.FORMAT): void {
    this.badFrames++;
    this.debug({ type, why, badFrames: this.badFrames }, 'bad frame');
    this.sendAck(failAck(type, failure(code, code === ErrorCode.FORMAT ? `format error: ${why}` : undefined)));
    if (this.badFrames >= this.config.max_bad_frames) this.close(CloseCode.BAD_FRAMES);
  }

  private sendAck(ack: TimAck): void {
    this.send(ClientType.ACK, ack);
  }

  /** Sends a system notice. */
  notify(message: TimMessage): void {
    this.send(ClientType.MESSAGE, message);
  }

  /** Server heartbeat: pings, or closes with 4004 after two unanswered pings. */
  heartbeat(): void {
    if (this.closed || !heldSession(this.login)) return;
    if (this.unansweredPings >= 2) {
      this.close(CloseCode.HEARTBEAT_LOST);
      return;
    }
    this.unansweredPings++;
    this.ws.ping();
  }

  /** Closing with `code`: the OFFLINE reason and the close metric. */
  protected override closing(code: CloseCode): void {
    this.closeCause = closeCodes[code].event;
    this.metrics.closes.inc({ code: String(code) });
  }

  protected override socketClosed(code: number): void {
    this.debug({ code }, 'socket closed');
  }

  /** Removes the session and forgets the socket, once. */
  protected gone(): void {
    this.host.gone(this);
    void this.service.closed(this, this.closeCause);
  }
}
