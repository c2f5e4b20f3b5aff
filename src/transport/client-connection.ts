/**
 * One client socket: framing in and out, the AUTH deadline, bad-frame
 * counting, in-order handling of frames, the send-buffer cap and heartbeat
 * bookkeeping. What a frame means is the session layer's business.
 */
import type { Logger } from 'pino';
import type WebSocket from 'ws';
import type { Config } from '../config/defaults.js';
import { CloseCode, closeReason, ErrorCode, failure } from '../errors.js';
import type { Metrics } from '../metrics.js';
import { checkKickList } from '../policy/auth-bounds.js';
import { decodeFrame, encodeFrame, isUndecodable } from '../protocol/codec.js';
import { ClientType } from '../protocol/type-codes.js';
import type { TimAck, TimAuth, TimKick, TimMessage } from '../protocol/types.js';
import type { SessionInfo } from '../session/registry.js';
import type { SessionHolder } from '../session/session-holder.js';
import { failAck, type SessionService } from '../session/session-service.js';

/** Frames waiting to be handled before the socket stops reading (back-pressure on a pipelining client). */
const MAX_PENDING_FRAMES = 32;

/** A client socket and its protocol state. */
export class ClientConnection implements SessionHolder {
  session: SessionInfo | null = null;
  lastSeen = Date.now();
  /** Server pings not answered by a pong yet. */
  unansweredPings = 0;
  closed = false;
  /** Called once when AUTH succeeds (the server stops counting the socket as unauthenticated). */
  onAuthenticated: () => void = () => {};
  /** Set once a close reason is known, for the OFFLINE event. */
  closeCause = 'closed';
  private json = false;
  private badFrames = 0;
  private pending = 0;
  private queue: Promise<void> = Promise.resolve();
  private readonly authTimer: NodeJS.Timeout;
  /** Set when an AUTH succeeded (session alone is also set while a login is being decided). */
  private authed = false;

  constructor(
    private readonly ws: WebSocket,
    readonly connId: string,
    readonly ip: string,
    private readonly config: Config,
    private readonly service: SessionService,
    private readonly metrics: Metrics,
    /** The server's logger; this socket's child of it is made when first needed. */
    private readonly parentLog: Logger,
    private readonly onGone: (conn: ClientConnection) => void,
  ) {
    this.authTimer = setTimeout(() => {
      if (!this.authed) this.close(CloseCode.AUTH_TIMEOUT);
    }, config.auth_timeout * 1000);
    ws.on('message', (data, isBinary) => this.receive(data as Buffer, isBinary));
    ws.on('pong', () => {
      this.unansweredPings = 0;
      this.lastSeen = Date.now();
    });
    ws.on('close', (code) => this.gone(code));
    ws.on('error', (err) => {
      this.debug({ err }, 'socket error');
      if (err && (err as { code?: string }).code === 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH') this.closeCause = 'too_big';
    });
  }

  private childLog: Logger | undefined;

  /**
   * This socket's child logger (conn, ip, and once logged in ssid, name,
   * domain), made on first use: most sockets never log a line, and a child
   * per socket costs memory and CPU at accept.
   */
  get log(): Logger {
    const s = this.session;
    return (this.childLog ??= this.parentLog.child(s ? { conn: this.connId, ip: this.ip, ssid: s.ssid, name: s.name, domain: s.domain } : { conn: this.connId, ip: this.ip }));
  }

  /** A debug line, without making the child logger when debug is off. */
  private debug(obj: object, msg: string): void {
    if (this.parentLog.isLevelEnabled('debug')) this.log.debug(obj, msg);
  }

  /** True once AUTH succeeded. */
  get authenticated(): boolean {
    return this.authed;
  }

  private receive(data: Buffer, isBinary: boolean): void {
    if (this.closed) return;
    this.lastSeen = Date.now();
    if (!isBinary) return this.enqueue(async () => this.bad(0, 'text frame'));
    const frame = decodeFrame('clientIn', data, this.json);
    if (isUndecodable(frame)) return this.enqueue(async () => this.bad(frame.type < 0 ? 0 : frame.type, frame.error));
    if (frame.type === ClientType.AUTH && frame.json && !this.session) this.json = true;
    this.enqueue(() => this.handle(frame.type, frame.payload));
  }

  private enqueue(task: () => Promise<void>): void {
    this.pending++;
    if (this.pending >= MAX_PENDING_FRAMES && !this.ws.isPaused) this.ws.pause();
    this.queue = this.queue
      .then(task)
      .catch((err: unknown) => {
        this.log.error({ err }, 'frame handler failed');
        this.sendAck(failAck(0, failure(ErrorCode.UNDEFINED)));
      })
      .finally(() => {
        this.pending--;
        if (this.pending < MAX_PENDING_FRAMES / 2 && this.ws.isPaused && !this.closed) this.ws.resume();
      });
  }

  private async handle(type: number, payload: Record<string, unknown>): Promise<void> {
    if (this.closed) return;
    if (type === ClientType.PING) {
      if (this.session) this.send(ClientType.PING, {});
      return;
    }
    if (type === ClientType.AUTH) {
      const ack = await this.service.login(this, payload as unknown as TimAuth);
      if (ack.ok) {
        this.authed = true;
        clearTimeout(this.authTimer);
        this.onAuthenticated();
        this.childLog = undefined; // from now on its lines name the session
        this.debug({}, 'logged in');
      }
      this.sendAck(ack);
      return;
    }
    if (!this.session) return this.bad(type, 'not logged in', ErrorCode.PERMISSION_DENIED);
    try {
      switch (type) {
        case ClientType.LOGOUT:
          this.sendAck(await this.service.logout(this));
          this.close(CloseCode.LOGGED_OUT);
          return;
        case ClientType.SESSIONS:
          this.send(ClientType.SESSIONS, await this.service.sessions(this));
          return;
        case ClientType.KICK: {
          const ssids = (payload as unknown as TimKick).ssid;
          const tooMany = checkKickList('ssid', ssids, this.config);
          this.sendAck(tooMany ? failAck(type, tooMany) : await this.service.kickOwn(this, ssids));
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

  private send(type: number, payload: object): void {
    if (this.closed || this.ws.readyState !== this.ws.OPEN) return;
    if (this.ws.bufferedAmount > this.config.max_buffered) {
      this.close(CloseCode.SLOW_CONSUMER);
      return;
    }
    this.ws.send(encodeFrame('clientOut', type, payload, this.json));
  }

  /** Server heartbeat: pings, or closes with 4004 after two unanswered pings. */
  heartbeat(): void {
    if (this.closed || !this.session) return;
    if (this.unansweredPings >= 2) {
      this.close(CloseCode.HEARTBEAT_LOST);
      return;
    }
    this.unansweredPings++;
    this.ws.ping();
  }

  /**
   * Closes with a close code. The session leaves the table at once; a peer
   * that does not answer the close handshake is cut off after a second.
   */
  close(code: CloseCode): void {
    if (this.closed) return;
    this.closed = true;
    this.closeCause = code === CloseCode.HEARTBEAT_LOST ? 'heartbeat' : code === CloseCode.SHUTDOWN ? 'shutdown' : 'closed';
    this.metrics.closes.inc({ code: String(code) });
    clearTimeout(this.authTimer);
    this.ws.close(code, closeReason[code]);
    setTimeout(() => this.ws.terminate(), 1000).unref();
    this.release();
  }

  private gone(code: number): void {
    this.closed = true;
    clearTimeout(this.authTimer);
    this.debug({ code }, 'socket closed');
    this.release();
  }

  private released = false;

  /** Removes the session and forgets the socket, once. */
  private release(): void {
    if (this.released) return;
    this.released = true;
    this.onGone(this);
    void this.service.closed(this, this.closeCause);
  }
}
