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
 */
import type WebSocket from 'ws';
import { decodeFrame, decodePayload, encodeAs, isUndecodable, nameOf } from '../protocol/codec.js';
import { AdminType, type CodeOf, type PayloadOf } from '../protocol/type-codes.js';
import { NoticeKind, type AdmAccount, type AdmAck, type AdmEvent, type AdmKick, type AdmNotice, type AdmStats } from '../protocol/types.js';
import { Emitter } from './emitter.js';
import { nodeWebSocket, type NodeSocketOptions } from './node-socket.js';
import { ReplyQueue } from './replies.js';
import { messageData, openSocket, OPEN, type CloseInfo, type Opening } from './web-socket.js';

/** Options of TimAdminClient.connect. */
export interface AdminClientOptions extends Pick<NodeSocketOptions, 'ws'> {
  /** Operator name (an entry of `admins` in tim.json). */
  readonly name: string;
  readonly pwd: string;
  /** Milliseconds to wait for each reply before giving up and closing the socket (default 10000). */
  readonly timeoutMs?: number;
}

/** A refused admin request: the AdmAck's error. */
export class AdminError extends Error {
  constructor(
    readonly code: number,
    readonly info: string,
    readonly admType: number,
  ) {
    super(`admin request ${admType} failed: ${code} ${info}`);
    this.name = 'AdminError';
  }
}

/** A single-use login token issued by ADMTOKEN. */
export interface LoginToken {
  readonly token: string;
  /** ms since epoch. */
  readonly expires: number;
}

/** Events of an admin client: presence events after subscribe, and the close. */
export interface AdminClientEvents {
  event: AdmEvent;
  close: CloseInfo;
}

/** The AdmAck error carried by a reply frame of `type`, if it is one. */
function errorOf(type: number, frame: Uint8Array): AdminError | null {
  let ack: AdmAck;
  try {
    ack = decodePayload('AdmAck', frame.subarray(1)); // byte 0 is the type code
  } catch {
    return null;
  }
  if (ack.ok || ack.admType !== type || !ack.error?.code) return null;
  return new AdminError(ack.error.code, ack.error.info, type);
}

/** An authenticated admin socket. */
export class TimAdminClient extends Emitter<AdminClientEvents> {
  /** Id of the gateway node this socket is connected to (ADMAUTH reply `n`). */
  gateway = '';
  private readonly replies: ReplyQueue<Uint8Array>;
  private closeInfo: CloseInfo | null = null;

  private constructor(private readonly opening: Opening<WebSocket>, timeoutMs: number) {
    super();
    this.replies = new ReplyQueue(timeoutMs, () => this.terminate());
    opening.socket.addEventListener('message', (ev) => this.receive(messageData(ev.data)));
    void opening.closed.then((info) => {
      this.closeInfo = info;
      this.replies.failAll(new Error(`admin socket closed (${info.code})`));
      this.emit('close', info);
    });
  }

  /** The socket (tests drop it with terminate()). */
  get ws(): WebSocket {
    return this.opening.socket;
  }

  /** Resolves when the socket has closed. */
  get closed(): Promise<CloseInfo> {
    return this.opening.closed;
  }

  /** Opens ws://host:port/admin and authenticates; rejects with AdminError (4105, 5105) when refused. */
  static async connect(url: string, options: AdminClientOptions): Promise<TimAdminClient> {
    const client = await TimAdminClient.open(url, options);
    const ack = await client.ack(AdminType.AUTH, { name: options.name, pwd: options.pwd });
    client.gateway = ack.n ?? '';
    return client;
  }

  /** Opens the socket without authenticating (tests of the ADMAUTH-first rule). */
  static async open(url: string, options: Partial<AdminClientOptions> = {}): Promise<TimAdminClient> {
    const client = new TimAdminClient(openSocket(nodeWebSocket({ ws: options.ws }), url), options.timeoutMs ?? 10_000);
    await client.opening.opened;
    return client;
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
    if (this.closeInfo || this.ws.readyState !== OPEN) return Promise.reject(new Error(`admin socket closed (${this.closeInfo?.code ?? 'closing'})`));
    return this.replies.wait([replyType], () => this.ws.send(bytes));
  }

  /** Sends a request and resolves with its success payload; rejects with AdminError when it failed. */
  async request<K extends CodeOf<'adminIn'>>(type: K, payload: Partial<PayloadOf<'adminIn', K>>): Promise<object> {
    const frame = await this.sendRaw(encodeAs(nameOf('adminIn', type), type, payload, 'binary'), type);
    const error = errorOf(type, frame);
    if (error) throw error;
    const decoded = decodeFrame('adminOut', frame);
    if (isUndecodable(decoded)) throw new AdminError(4113, `undecodable reply (${decoded.error})`, type);
    return decoded.payload;
  }

  /** A request whose success reply is an AdmAck. */
  private async ack<K extends CodeOf<'adminIn'>>(type: K, payload: Partial<PayloadOf<'adminIn', K>>): Promise<AdmAck> {
    return (await this.request(type, payload)) as AdmAck;
  }

  /** ADMPING: resolves when the gateway answers. */
  async ping(): Promise<void> {
    await this.request(AdminType.PING, {});
  }

  /** ADMSUB: presence events of `domain` ("" = every domain) arrive as `event` from now on. */
  async subscribe(domain = ''): Promise<void> {
    await this.ack(AdminType.SUB, { domain });
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

  /** Closes the socket (1000) and waits for the close. */
  async close(): Promise<CloseInfo> {
    if (!this.closeInfo && this.ws.readyState <= OPEN) this.ws.close(1000);
    return this.closed;
  }

  /** Drops the socket without a close handshake. */
  terminate(): void {
    this.ws.terminate();
  }
}
