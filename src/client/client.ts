/**
 * The client library of the gateway's client socket, for browsers and Node
 * (the Node entry, src/client/node.ts, passes `ws` as the WebSocket):
 *
 *   const c = new TimClient('wss://gw.example/tim');
 *   c.on('kicked', (k) => showLoggedInElsewhere(k.reason, k.device));
 *   c.on('logoutRequest', (r) => askUser(r.device));
 *   const ack = await c.login({ name: 'alice', pwd: 'secret', termtyp: 1 });
 *
 * After a successful login it resumes the session with its resume token when
 * the socket drops, the gateway shuts down (1001) or the heartbeat is lost
 * (4004), after a delay with exponential backoff and full jitter; never after
 * a kick (4001), a logout (4002), an auth timeout (4003) or close().
 */
import { reconnectAfter } from '../errors.js';
import { isUndecodable, type DecodedFrame, type FrameFormat } from '../protocol/codec.js';
import { ClientType, type CodeOf, type PayloadOf } from '../protocol/type-codes.js';
import { NoticeKind, type TimAck, type TimAuth, type TimMessage, type TimSessions } from '../protocol/types.js';
import { Wire } from '../protocol/wire.js';
import { backoffDelay, defaultBackoff } from './backoff.js';
import { TimRequestError, type Device, type ReconnectOptions, type TimClientEvents, type TimClientOptions } from './client-types.js';
import { Emitter } from './emitter.js';
import { takeNotice } from './next-notice.js';
import { ReplyQueue } from './replies.js';
import { globalWebSocket, messageData, openSocket, OPEN, type CloseInfo, type Opening, type WebSocketConstructor, type WebSocketLike } from './web-socket.js';

type Reply = DecodedFrame<'clientOut'>;

/** What a resume sends again: the login's identity, never its password. */
type Identity = Pick<TimAuth, 'name' | 'domain' | 'resource' | 'termtyp' | 'extend'>;

/** The device named in a notice's extend. */
function deviceOf(m: TimMessage): Device | null {
  const e = m.extend;
  return e.resource === undefined && e.ip === undefined ? null : { resource: e.resource ?? '', termtyp: Number(e.termtyp ?? 0), ip: e.ip ?? '' };
}

/** A session with the gateway, across reconnects. */
export class TimClient<S extends WebSocketLike = WebSocketLike> extends Emitter<TimClientEvents> {
  /** The ACK of the last successful login or resume: ssid in n2, resume token in token. */
  lastLogin: TimAck | null = null;
  /** Notices received so far and not taken by nextNotice, in order. */
  readonly notices: TimMessage[] = [];
  private readonly ctor: WebSocketConstructor<S>;
  private readonly format: FrameFormat;
  private readonly retry: ReconnectOptions | null;
  private current: Opening<S> | null = null;
  private wire: Wire<'clientOut', 'clientIn'>;
  private readonly replies: ReplyQueue<Reply>;
  private identity: Identity | null = null;
  /** No more reconnects: closed by us, logged out, kicked, or a resume refused. */
  private stopped = false;
  /** A reconnect loop owns the socket (its failures are retried there, not reported as closes). */
  private reconnecting = false;
  private reconnectTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    readonly url: string,
    options: TimClientOptions<S> = {},
  ) {
    super();
    this.ctor = options.WebSocket ?? (globalWebSocket() as WebSocketConstructor<S>);
    this.format = options.format ?? 'binary';
    this.wire = new Wire('clientOut', 'clientIn', ClientType.AUTH, this.format);
    const r = options.reconnect ?? true;
    this.retry = r === false ? null : { ...defaultBackoff, maxAttempts: Infinity, ...(r === true ? {} : r) };
    this.replies = new ReplyQueue(options.requestTimeoutMs ?? 15_000);
  }

  /** The current socket (tests send raw frames on it). */
  get ws(): S {
    if (!this.current) throw new Error('no socket yet: call open() or login()');
    return this.current.socket;
  }

  /** Resolves when the current socket has closed. */
  get closed(): Promise<CloseInfo> {
    return this.current?.closed ?? Promise.resolve({ code: 1000, reason: 'never opened' });
  }

  /** Opens a socket unless one is open; rejects when it cannot be opened. */
  async open(): Promise<void> {
    if (this.current && this.current.socket.readyState <= OPEN) return this.current.opened;
    const opening = openSocket(this.ctor, this.url);
    this.current = opening;
    this.wire = new Wire('clientOut', 'clientIn', ClientType.AUTH, this.format);
    opening.socket.addEventListener('message', (ev) => this.receive(messageData(ev.data)));
    void opening.closed.then((info) => this.socketClosed(opening, info));
    return opening.opened;
  }

  private receive(data: string | Uint8Array): void {
    const frame = this.wire.decode(data);
    if (isUndecodable(frame)) return;
    this.emit('frame', { type: frame.type, payload: frame.payload });
    if (frame.type === ClientType.MESSAGE) return this.noticed(frame.payload);
    this.replies.deliver(frame.type, frame);
  }

  private noticed(m: TimMessage): void {
    this.notices.push(m);
    this.emit('notice', m);
    if (m.odType === NoticeKind.LOGOUT_REQUEST) this.emit('logoutRequest', { message: m, device: deviceOf(m) ?? { resource: '', termtyp: 0, ip: '' } });
    if (m.odType === NoticeKind.KICKED) {
      this.stopped = true;
      this.emit('kicked', { reason: m.extend.reason ?? '', reconnect: false, message: m, device: deviceOf(m) });
    }
  }

  private socketClosed(opening: Opening<S>, info: CloseInfo): void {
    if (opening !== this.current) return;
    this.replies.failAll(new Error(`socket closed (${info.code})`));
    if (this.reconnecting) return; // the reconnect loop sees it through its failed request
    const expired = (this.lastLogin?.t2 ?? 0) <= Date.now();
    const again = !this.stopped && this.retry !== null && this.identity !== null && !expired && reconnectAfter(info.code) === 'resume';
    this.emit('close', { ...info, reconnect: again });
    if (again) this.scheduleReconnect(0);
  }

  private scheduleReconnect(attempt: number): void {
    if (this.stopped || !this.retry) return;
    if (attempt >= this.retry.maxAttempts || (this.lastLogin?.t2 ?? 0) <= Date.now()) return this.giveUp(null, attempt >= this.retry.maxAttempts ? 'attempts' : 'token expired');
    this.reconnecting = true;
    const delayMs = backoffDelay(attempt, this.retry);
    this.emit('reconnecting', { attempt: attempt + 1, delayMs });
    this.reconnectTimer = setTimeout(() => void this.resume(attempt), delayMs);
  }

  /** One reconnect attempt: a new socket, AUTH with the resume token. */
  private async resume(attempt: number): Promise<void> {
    let ack: TimAck;
    try {
      ack = await this.login({ ...this.identity!, token: this.lastLogin!.token ?? '' });
    } catch {
      return this.scheduleReconnect(attempt + 1); // could not open, or closed before the ACK
    }
    if (this.stopped) return;
    if (ack.ok) {
      this.reconnecting = false;
      this.emit('reconnected', ack);
      return;
    }
    const code = ack.error?.code ?? 0;
    if (code === 5101 || code === 5104 || code === 5105) {
      this.current?.socket.close(1000);
      return this.scheduleReconnect(attempt + 1);
    }
    this.giveUp(ack, `refused (${code})`);
  }

  private giveUp(ack: TimAck | null, reason: string): void {
    this.reconnecting = false;
    this.stopped = true;
    if (this.current && this.current.socket.readyState <= OPEN) this.current.socket.close(1000);
    this.emit('reconnectFailed', { ack, reason });
  }

  /** Sends a request and waits for the reply of one of `replyTypes`. */
  request<K extends CodeOf<'clientIn'>>(type: K, payload: Partial<PayloadOf<'clientIn', K>>, replyTypes: readonly number[]): Promise<Reply> {
    return this.exchange(this.wire.encode(type, payload), replyTypes);
  }

  /** Sends raw bytes or a text message (tests of bad input); with `expectAck`, waits for the ACK that answers them. */
  async sendRaw(data: Uint8Array | string, expectAck = false): Promise<TimAck | undefined> {
    if (!expectAck) return void this.ws.send(data);
    const reply = await this.exchange(data, [ClientType.ACK]);
    return reply.type === ClientType.ACK ? reply.payload : undefined;
  }

  private exchange(data: Uint8Array | string, replyTypes: readonly number[]): Promise<Reply> {
    const socket = this.current?.socket;
    if (!socket || socket.readyState !== OPEN) return Promise.reject(new Error('socket not open'));
    return this.replies.wait(replyTypes, () => socket.send(data));
  }

  private static ackOf(reply: Reply): TimAck {
    if (reply.type !== ClientType.ACK) throw new Error(`expected an ACK, got type ${reply.type}`);
    return reply.payload;
  }

  /** AUTH (name+pwd or name+token, optional kick list), opening a socket if needed. Resolves with the ACK, ok or not. */
  async login(auth: Partial<TimAuth>): Promise<TimAck> {
    await this.open();
    const ack = TimClient.ackOf(await this.request(ClientType.AUTH, auth, [ClientType.ACK]));
    if (ack.ok) {
      this.lastLogin = ack;
      this.identity = { name: auth.name ?? '', domain: auth.domain ?? '', resource: auth.resource ?? '', termtyp: auth.termtyp ?? 0, extend: auth.extend ?? {} };
      this.stopped = false;
    } else if (ack.error?.code === 4111) {
      this.emit('overEntry', { sessions: ack.sessions ?? [], ack });
    }
    return ack;
  }

  /** SESSIONS: this session and the account's other sessions; rejects with TimRequestError when refused. */
  async sessions(): Promise<TimSessions> {
    const reply = await this.request(ClientType.SESSIONS, {}, [ClientType.SESSIONS, ClientType.ACK]);
    if (reply.type === ClientType.SESSIONS) return reply.payload;
    const ack = TimClient.ackOf(reply);
    throw new TimRequestError(ack.error?.code ?? 5101, ack.error?.info ?? '', ClientType.SESSIONS);
  }

  /** KICK: logs out own sessions by ssid; ACK t = how many. */
  async kick(ssids: readonly string[]): Promise<TimAck> {
    return TimClient.ackOf(await this.request(ClientType.KICK, { ssid: [...ssids] }, [ClientType.ACK]));
  }

  /** LOGOUT: ends the session (its resume token dies); the gateway closes with 4002 after the ACK. */
  async logout(): Promise<TimAck> {
    this.stopped = true;
    return TimClient.ackOf(await this.request(ClientType.LOGOUT, {}, [ClientType.ACK]));
  }

  /** PING: resolves when the gateway echoes it (only after login). */
  async ping(): Promise<void> {
    await this.request(ClientType.PING, {}, [ClientType.PING, ClientType.ACK]);
  }

  /** The next notice (of a kind, if given): one already received and not yet taken, or the next to arrive. */
  nextNotice(odType?: number, timeoutMs = 5000): Promise<TimMessage> {
    return takeNotice(this, odType, timeoutMs);
  }

  /** Closes the socket (1000), stops reconnecting, and waits for the close. */
  async close(): Promise<CloseInfo> {
    this.stop();
    if (this.current && this.current.socket.readyState <= OPEN) this.current.socket.close(1000);
    return this.closed;
  }

  /** Drops the socket without a close handshake where the WebSocket allows it (Node's ws), else closes it; no reconnect. */
  terminate(): void {
    this.stop();
    const s = this.current?.socket as (S & { terminate?: () => void }) | undefined;
    if (s?.terminate) s.terminate();
    else if (s && s.readyState <= OPEN) s.close(1000);
  }

  private stop(): void {
    this.stopped = true;
    this.reconnecting = false;
    clearTimeout(this.reconnectTimer);
  }
}
