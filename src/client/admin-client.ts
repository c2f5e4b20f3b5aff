/**
 * A typed, promise-based client of the gateway's admin socket (PROTOCOL.md
 * section 8), for Node backends, tests and the `tim-gateway admin` commands.
 *
 *   const admin = await TimAdminClient.connect('ws://127.0.0.1:20002/admin', { name: 'admin', pwd });
 *   await admin.notice({ domain: 'acme', names: ['alice'], dataString: 'maintenance at 22:00' });
 *   admin.on('event', (ev) => console.log(ev.kind, ev.name, ev.ssid));
 *   await admin.subscribe('acme');
 *
 * Failed requests reject with an AdminError carrying the error code. Error
 * replies are AdmAck payloads in a frame of the request's type code, also for
 * ADMONLINE (42) and ADMSTATS (43): such a frame counts as an error when its
 * payload decodes as an AdmAck with ok=false, admType = the request's code and
 * an error code (an AdmOnlineReply or AdmStats never decodes that way).
 *
 * After a drop, a 1001 shutdown or a 4004 (not after close() or terminate()),
 * a client made by connect() connects again with exponential backoff and full
 * jitter (backoff.ts), authenticates with the same credentials and subscribes
 * again every domain it had subscribed (events `reconnecting`, `reconnected`,
 * or `reconnectFailed` when ADMAUTH is refused other than with 5105). Requests
 * made meanwhile reject at once.
 */
import type WebSocket from 'ws';
import { reconnectAfter } from '../errors.js';
import { decodeFrame, encodeAs, isUndecodable, nameOf } from '../protocol/codec.js';
import { AdminType, type CodeOf, type PayloadOf } from '../protocol/type-codes.js';
import { NoticeKind, type AdmAccount, type AdmAck, type AdmKick, type AdmNotice, type AdmStats } from '../protocol/types.js';
import { AdminError, errorOf, type AdminClientEvents, type AdminClientOptions, type LoginToken } from './admin-types.js';
import { backoffDelay, defaultBackoff } from './backoff.js';
import type { ReconnectOptions } from './client-types.js';
import { Emitter } from './emitter.js';
import { nodeWebSocket } from './node-socket.js';
import { ReplyQueue } from './replies.js';
import { messageData, openSocket, OPEN, type CloseInfo, type Opening } from './web-socket.js';

/** An authenticated admin socket, connected again after a drop unless turned off. */
export class TimAdminClient extends Emitter<AdminClientEvents> {
  /** Id of the gateway node this socket is connected to (ADMAUTH reply `n`; the new node's after a reconnect). */
  gateway = '';
  private readonly replies: ReplyQueue<Uint8Array>;
  private current: Opening<WebSocket>;
  /** Domains subscribed so far, subscribed again after a reconnect. */
  private readonly domains = new Set<string>();
  private retry: ReconnectOptions | null = null;
  /** No more reconnects: closed by the caller, or ADMAUTH refused. */
  private stopped = false;
  /** A reconnect loop owns the socket: requests of the caller are refused until it has authenticated and subscribed. */
  private reconnecting = false;
  private reconnectTimer: ReturnType<typeof setTimeout> | undefined;

  private constructor(
    private readonly url: string,
    private readonly options: Partial<AdminClientOptions>,
  ) {
    super();
    this.replies = new ReplyQueue(options.timeoutMs ?? 10_000, () => this.current.socket.terminate());
    this.current = this.attach();
  }

  /** The socket (tests drop it with terminate()). */
  get ws(): WebSocket {
    return this.current.socket;
  }

  /** Resolves when the current socket has closed. */
  get closed(): Promise<CloseInfo> {
    return this.current.closed;
  }

  /** Opens ws://host:port/admin and authenticates; rejects with AdminError (4105, 5105) when refused. */
  static async connect(url: string, options: AdminClientOptions): Promise<TimAdminClient> {
    const client = await TimAdminClient.open(url, options);
    await client.authenticate();
    const r = options.reconnect ?? true;
    client.retry = r === false ? null : { ...defaultBackoff, maxAttempts: Infinity, ...(r === true ? {} : r) };
    return client;
  }

  /** Opens the socket without authenticating (tests of the ADMAUTH-first rule); such a client never reconnects. */
  static async open(url: string, options: Partial<AdminClientOptions> = {}): Promise<TimAdminClient> {
    const client = new TimAdminClient(url, options);
    await client.current.opened;
    return client;
  }

  /** A new socket to `url`, made the current one. */
  private attach(): Opening<WebSocket> {
    const opening = openSocket(nodeWebSocket({ ws: this.options.ws }), this.url);
    this.current = opening;
    opening.socket.addEventListener('message', (ev) => this.receive(messageData(ev.data)));
    void opening.closed.then((info) => this.socketClosed(opening, info));
    return opening;
  }

  private async authenticate(): Promise<void> {
    const ack = await this.ack(AdminType.AUTH, { name: this.options.name, pwd: this.options.pwd }, true);
    this.gateway = ack.n ?? '';
  }

  private socketClosed(opening: Opening<WebSocket>, info: CloseInfo): void {
    if (opening !== this.current) return;
    this.replies.failAll(new Error(`admin socket closed (${info.code})`));
    if (this.reconnecting) return; // the reconnect loop sees it through its failed request
    const again = !this.stopped && this.retry !== null && reconnectAfter(info.code) !== 'never';
    this.emit('close', { ...info, reconnect: again });
    if (again) this.scheduleReconnect(0);
  }

  private scheduleReconnect(attempt: number): void {
    if (this.stopped || !this.retry) return;
    if (attempt >= this.retry.maxAttempts) return this.giveUp(0, 'attempts');
    this.reconnecting = true;
    const delayMs = backoffDelay(attempt, this.retry);
    this.reconnectTimer = setTimeout(() => void this.reconnect(attempt), delayMs);
    this.emit('reconnecting', { attempt: attempt + 1, delayMs }); // after the timer: a listener may call close()
  }

  /** One reconnect attempt: a new socket, ADMAUTH, ADMSUB of every subscribed domain. */
  private async reconnect(attempt: number): Promise<void> {
    try {
      await this.attach().opened;
      await this.authenticate();
      for (const domain of this.domains) await this.ack(AdminType.SUB, { domain }, true);
    } catch (e) {
      if (this.stopped) return;
      if (e instanceof AdminError && e.admType === AdminType.AUTH && e.code !== 5105) return this.giveUp(e.code, `refused (${e.code} ${e.info})`);
      if (this.current.socket.readyState <= OPEN) this.current.socket.close(1000);
      return this.scheduleReconnect(attempt + 1); // could not open, throttled (5105), or closed or timed out before the replies
    }
    if (this.stopped) return;
    this.reconnecting = false;
    this.emit('reconnected', { gateway: this.gateway });
  }

  private giveUp(code: number, reason: string): void {
    this.reconnecting = false;
    this.stopped = true;
    if (this.current.socket.readyState <= OPEN) this.current.socket.close(1000);
    this.emit('reconnectFailed', { code, reason });
  }

  private receive(data: string | Uint8Array): void {
    if (typeof data === 'string') return; // this client speaks binary frames
    const type = data[0] ?? -1;
    if (type === AdminType.EVENT) {
      const frame = decodeFrame('adminOut', data);
      if (!isUndecodable(frame) && frame.type === AdminType.EVENT) this.emit('event', frame.payload);
      return;
    }
    this.replies.deliver(type, data);
  }

  /** Sends raw bytes (or a text message) and resolves with the whole reply frame of type `replyType` (tests of bad input). */
  sendRaw(bytes: Uint8Array | string, replyType: number): Promise<Uint8Array> {
    return this.exchange(bytes, replyType, false);
  }

  /** Sends and waits for the reply; refused at once while the socket is not open, or (unless `internal`) while a reconnect is under way. */
  private exchange(bytes: Uint8Array | string, replyType: number, internal: boolean): Promise<Uint8Array> {
    const socket = this.current.socket;
    if (this.reconnecting && !internal) return Promise.reject(new Error('admin socket reconnecting: request not sent'));
    if (socket.readyState !== OPEN) return Promise.reject(new Error(`admin socket closed (${this.stopped ? 'closed' : 'not open'})`));
    return this.replies.wait([replyType], () => socket.send(bytes));
  }

  /** Sends a request and resolves with its success payload; rejects with AdminError when it failed. */
  request<K extends CodeOf<'adminIn'>>(type: K, payload: Partial<PayloadOf<'adminIn', K>>): Promise<object> {
    return this.call(type, payload, false);
  }

  /** A request; `internal` ones (the reconnect's ADMAUTH and ADMSUB) may be sent while a reconnect is under way. */
  private async call<K extends CodeOf<'adminIn'>>(type: K, payload: Partial<PayloadOf<'adminIn', K>>, internal: boolean): Promise<object> {
    const frame = await this.exchange(encodeAs(nameOf('adminIn', type), type, payload, 'binary'), type, internal);
    const error = errorOf(type, frame);
    if (error) throw error;
    const decoded = decodeFrame('adminOut', frame);
    if (isUndecodable(decoded)) throw new AdminError(4113, `undecodable reply (${decoded.error})`, type);
    return decoded.payload;
  }

  /** A request whose success reply is an AdmAck. */
  private async ack<K extends CodeOf<'adminIn'>>(type: K, payload: Partial<PayloadOf<'adminIn', K>>, internal = false): Promise<AdmAck> {
    return (await this.call(type, payload, internal)) as AdmAck;
  }

  /** ADMPING: resolves when the gateway answers. */
  async ping(): Promise<void> {
    await this.request(AdminType.PING, {});
  }

  /** ADMSUB: presence events of `domain` ("" = every domain) arrive as `event` from now on. */
  async subscribe(domain = ''): Promise<void> {
    await this.ack(AdminType.SUB, { domain });
    this.domains.add(domain);
  }

  /** ADMNOTICE: a notice (INFO unless odType says 2, LOGOUT_REQUEST) to named accounts and/or ssids; resolves with the sessions reached. */
  async notice(n: Partial<AdmNotice> & { dataString: string }): Promise<number> {
    return (await this.ack(AdminType.NOTICE, { odType: NoticeKind.INFO, ...n })).t ?? 0;
  }

  /** ADMKICK: logs out named accounts and/or ssids, optionally blocking the names for blockSeconds; resolves with the sessions logged out. */
  async kick(k: Partial<AdmKick>): Promise<number> {
    return (await this.ack(AdminType.KICK, k)).t ?? 0;
  }

  /** ADMONLINE: the sessions of each named account of a domain. */
  async online(domain: string, names: readonly string[]): Promise<AdmAccount[]> {
    const reply = (await this.request(AdminType.ONLINE, { domain, names: [...names] })) as { accounts: AdmAccount[] };
    return reply.accounts;
  }

  /** ADMSTATS: table-wide counts and this node's connections. */
  async stats(): Promise<AdmStats> {
    return (await this.request(AdminType.STATS, {})) as AdmStats;
  }

  /** ADMTOKEN: a single-use login token for domain+name (ttlSeconds 0 = the gateway's token_timeout). */
  async token(domain: string, name: string, ttlSeconds = 0, extend: Record<string, string> = {}): Promise<LoginToken> {
    const ack = await this.ack(AdminType.TOKEN, { domain, name, ttlSeconds, extend });
    return { token: ack.n2 ?? '', expires: ack.t2 ?? 0 };
  }

  /** Closes the socket (1000), stops reconnecting, and waits for the close. */
  async close(): Promise<CloseInfo> {
    this.stop();
    if (this.ws.readyState <= OPEN) this.ws.close(1000);
    return this.closed;
  }

  /** Drops the socket without a close handshake; no reconnect. */
  terminate(): void {
    this.stop();
    this.ws.terminate();
  }

  private stop(): void {
    this.stopped = true;
    this.reconnecting = false;
    clearTimeout(this.reconnectTimer);
  }
}
