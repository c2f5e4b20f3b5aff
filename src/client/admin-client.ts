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
import { EventEmitter } from 'node:events';
import WebSocket, { type ClientOptions } from 'ws';
import { decodeFrame, decodePayload, encodeAs, isUndecodable, nameOf } from '../protocol/codec.js';
import { AdminType } from '../protocol/type-codes.js';
import { NoticeKind, type AdmAccount, type AdmAck, type AdmEvent, type AdmKick, type AdmNotice, type AdmOnlineReply, type AdmStats } from '../protocol/types.js';
import { opened, whenClosed, type CloseInfo } from './socket-lifecycle.js';

/** Options of TimAdminClient.connect. */
export interface AdminClientOptions {
  /** Operator name (an entry of `admins` in tim.json). */
  readonly name: string;
  readonly pwd: string;
  /** Options passed to ws (TLS ca, headers...). */
  readonly ws?: ClientOptions;
  /** Milliseconds to wait for each reply before giving up and closing the socket (default 10000). */
  readonly timeoutMs?: number;
}

/** A refused admin request: the AdmAck's error. */
export class AdminError extends Error {
  constructor(readonly code: number, readonly info: string, readonly admType: number) {
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

interface Pending {
  readonly type: number;
  readonly resolve: (frame: Buffer) => void;
  readonly reject: (e: Error) => void;
}

/** The AdmAck error carried by a reply frame of `type`, if it is one. */
function errorOf(type: number, frame: Buffer): AdminError | null {
  let ack: AdmAck;
  try {
    ack = decodePayload('AdmAck', frame.subarray(1)); // byte 0 is the type code
  } catch {
    return null;
  }
  if (ack.ok || ack.admType !== type || !ack.error?.code) return null;
  return new AdminError(ack.error.code, ack.error.info, type);
}

/**
 * An authenticated admin socket. Events: `event` (AdmEvent, after subscribe),
 * `close` (CloseInfo).
 */
export class TimAdminClient extends EventEmitter {
  /** Id of the gateway node this socket is connected to (ADMAUTH reply `n`). */
  gateway = '';
  /** Resolves when the socket has closed. */
  readonly closed: Promise<CloseInfo>;
  private pending: Pending[] = [];
  private closeInfo: CloseInfo | null = null;

  private constructor(readonly ws: WebSocket, private readonly timeoutMs: number) {
    super();
    this.closed = whenClosed(ws, (info) => {
      this.closeInfo = info;
      for (const p of this.pending.splice(0)) p.reject(new Error(`admin socket closed (${info.code})`));
      this.emit('close', info);
    });
    ws.on('message', (data: Buffer) => this.receive(data));
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
    const ws = new WebSocket(url, { perMessageDeflate: false, ...options.ws });
    const client = new TimAdminClient(ws, options.timeoutMs ?? 10_000);
    await opened(ws, client.closed, 'admin socket');
    return client;
  }

  private receive(data: Buffer): void {
    const frame = decodeFrame('adminOut', data);
    const type = frame.type;
    if (type === AdminType.EVENT) {
      if (!isUndecodable(frame)) this.emit('event', frame.payload as unknown as AdmEvent);
      return;
    }
    const i = this.pending.findIndex((p) => p.type === type);
    if (i >= 0) this.pending.splice(i, 1)[0]!.resolve(data);
  }

  /** Sends raw bytes (or a text message) and resolves with the whole reply frame of type `replyType` (tests of bad input). */
  sendRaw(bytes: Uint8Array | string, replyType: number): Promise<Buffer> {
    if (this.closeInfo) return Promise.reject(new Error(`admin socket closed (${this.closeInfo.code})`));
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        reject(new Error(`no reply of type ${replyType} within ${this.timeoutMs} ms`));
        this.ws.terminate();
      }, this.timeoutMs);
      const done = <T>(f: (v: T) => void) => (v: T) => {
        clearTimeout(timer);
        f(v);
      };
      this.pending.push({ type: replyType, resolve: done(resolve), reject: done(reject) });
      this.ws.send(bytes);
    });
  }

  /** Sends a request and resolves with its success payload; rejects with AdminError when it failed. */
  async request(type: number, payload: object): Promise<Record<string, unknown>> {
    const frame = await this.sendRaw(encodeAs(nameOf('adminIn', type), type, payload, 'binary'), type);
    const error = errorOf(type, frame);
    if (error) throw error;
    const decoded = decodeFrame('adminOut', frame);
    if (isUndecodable(decoded)) throw new AdminError(4113, `undecodable reply (${decoded.error})`, type);
    return decoded.payload as Record<string, unknown>;
  }

  private async ack(type: number, payload: object): Promise<AdmAck> {
    return (await this.request(type, payload)) as unknown as AdmAck;
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
    return ((await this.request(AdminType.ONLINE, { domain, names })) as unknown as AdmOnlineReply).accounts;
  }

  /** ADMSTATS: table-wide counts and this node's connections. */
  async stats(): Promise<AdmStats> {
    return (await this.request(AdminType.STATS, {})) as unknown as AdmStats;
  }

  /** ADMTOKEN: a single-use login token for domain+name (ttlSeconds 0 = the gateway's token_timeout). */
  async token(domain: string, name: string, ttlSeconds = 0, extend: Record<string, string> = {}): Promise<LoginToken> {
    const ack = await this.ack(AdminType.TOKEN, { domain, name, ttlSeconds, extend });
    return { token: ack.n2 ?? '', expires: ack.t2 ?? 0 };
  }

  /** Closes the socket (1000) and waits for the close. */
  async close(): Promise<CloseInfo> {
    if (!this.closeInfo) this.ws.close(1000);
    return this.closed;
  }

  /** Drops the socket without a close handshake. */
  terminate(): void {
    this.ws.terminate();
  }
}
