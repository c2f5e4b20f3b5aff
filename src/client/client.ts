/**
 * A typed, promise-based client of the gateway's client socket, for Node
 * programs, tests and the `tim-gateway login` command.
 *
 *   const c = await TimClient.connect('ws://127.0.0.1:20003/tim');
 *   const ack = await c.login({ name: 'alice', pwd: 'secret', termtyp: 1 });
 *   c.on('kicked', (m) => console.log('kicked:', m.extend.reason));
 */
import { EventEmitter } from 'node:events';
import WebSocket, { type ClientOptions } from 'ws';
import { decodeFrame, encodeAs, isUndecodable, nameOf } from '../protocol/codec.js';
import { ClientType } from '../protocol/type-codes.js';
import { NoticeKind, type TimAck, type TimAuth, type TimMessage, type TimSessions } from '../protocol/types.js';
import { opened, whenClosed, type CloseInfo } from './socket-lifecycle.js';

export type { CloseInfo } from './socket-lifecycle.js';

/** Options of TimClient.connect. */
export interface TimClientOptions {
  /** Speak protobuf-JSON instead of binary protobuf (default false). */
  readonly json?: boolean;
  /** Options passed to ws (origin, TLS ca, headers...). */
  readonly ws?: ClientOptions;
  /** Answer server pings (default true; tests turn it off to play a dead device). */
  readonly autoPong?: boolean;
}

interface Pending {
  readonly types: readonly number[];
  readonly resolve: (payload: Record<string, unknown>) => void;
  readonly reject: (e: Error) => void;
}

/**
 * A client socket. Events: `notice` (every TimMessage), `logoutRequest`
 * (odType 2), `kicked` (odType 3), `close` (CloseInfo), `frame` (type, payload)
 * for every frame received.
 */
export class TimClient extends EventEmitter {
  /** The ACK of the last successful login: ssid in n2, resume token in token. */
  lastLogin: TimAck | null = null;
  /** Notices received so far, in order. */
  readonly notices: TimMessage[] = [];
  /** Resolves when the socket has closed. */
  readonly closed: Promise<CloseInfo>;
  private pending: Pending[] = [];
  private closeInfo: CloseInfo | null = null;

  private constructor(readonly ws: WebSocket, private readonly json: boolean) {
    super();
    this.closed = whenClosed(ws, (info) => {
      this.closeInfo = info;
      for (const p of this.pending.splice(0)) p.reject(new Error(`socket closed (${info.code})`));
      this.emit('close', info);
    });
    ws.on('message', (data: Buffer) => this.receive(data));
  }

  /** Opens a socket to ws://host:port/tim. */
  static async connect(url: string, options: TimClientOptions = {}): Promise<TimClient> {
    const ws = new WebSocket(url, { perMessageDeflate: false, autoPong: options.autoPong ?? true, ...options.ws });
    const client = new TimClient(ws, options.json ?? false);
    await opened(ws, client.closed, 'socket');
    return client;
  }

  private receive(data: Buffer): void {
    const frame = decodeFrame('clientOut', data, this.json);
    if (isUndecodable(frame)) return;
    this.emit('frame', frame.type, frame.payload);
    if (frame.type === ClientType.MESSAGE) {
      const m = frame.payload as unknown as TimMessage;
      this.notices.push(m);
      this.emit('notice', m);
      if (m.odType === NoticeKind.LOGOUT_REQUEST) this.emit('logoutRequest', m);
      if (m.odType === NoticeKind.KICKED) this.emit('kicked', m);
      return;
    }
    const i = this.pending.findIndex((p) => p.types.includes(frame.type));
    if (i < 0) return;
    const [p] = this.pending.splice(i, 1);
    p!.resolve(frame.payload as Record<string, unknown>);
  }

  /** Sends a frame and waits for the reply of one of `replyTypes`. */
  request(type: number, payload: object, replyTypes: readonly number[], flagJson = false): Promise<Record<string, unknown>> {
    if (this.closeInfo) return Promise.reject(new Error(`socket closed (${this.closeInfo.code})`));
    return new Promise((resolve, reject) => {
      this.pending.push({ types: replyTypes, resolve, reject });
      this.ws.send(encodeAs(nameOf('clientIn', type), type, payload, this.json ? 'json' : 'binary', flagJson));
    });
  }

  /** Sends raw bytes (tests of bad input); with `expectAck`, waits for the ACK that answers them. */
  async sendRaw(bytes: Uint8Array | string, expectAck = false): Promise<TimAck | undefined> {
    if (!expectAck) {
      this.ws.send(bytes);
      return undefined;
    }
    return new Promise((resolve, reject) => {
      this.pending.push({ types: [ClientType.ACK], resolve: (p) => resolve(p as unknown as TimAck), reject });
      this.ws.send(bytes);
    });
  }

  /** AUTH: name+pwd or name+token, optional kick list. Resolves with the ACK, ok or not. */
  async login(auth: Partial<TimAuth>): Promise<TimAck> {
    const ack = (await this.request(ClientType.AUTH, auth, [ClientType.ACK], this.json)) as unknown as TimAck;
    if (ack.ok) this.lastLogin = ack;
    return ack;
  }

  /** SESSIONS: this session and the account's other sessions. */
  async sessions(): Promise<TimSessions> {
    return (await this.request(ClientType.SESSIONS, {}, [ClientType.SESSIONS, ClientType.ACK])) as unknown as TimSessions;
  }

  /** KICK: logs out own sessions by ssid; ACK t = how many. */
  async kick(ssids: readonly string[]): Promise<TimAck> {
    return (await this.request(ClientType.KICK, { ssid: ssids }, [ClientType.ACK])) as unknown as TimAck;
  }

  /** LOGOUT: ends the session; the server closes with 4002 after the ACK. */
  async logout(): Promise<TimAck> {
    return (await this.request(ClientType.LOGOUT, {}, [ClientType.ACK])) as unknown as TimAck;
  }

  /** PING: resolves when the server echoes it (only after login). */
  async ping(): Promise<void> {
    await this.request(ClientType.PING, {}, [ClientType.PING, ClientType.ACK]);
  }

  /** The next notice (of a kind, if given): one already received and not yet taken, or the next to arrive. */
  nextNotice(odType?: number, timeoutMs = 5000): Promise<TimMessage> {
    const i = this.notices.findIndex((m) => odType === undefined || m.odType === odType);
    if (i >= 0) return Promise.resolve(this.notices.splice(i, 1)[0]!);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.off('notice', onNotice);
        reject(new Error(`no notice${odType ? ` of odType ${odType}` : ''} within ${timeoutMs} ms`));
      }, timeoutMs);
      const onNotice = (m: TimMessage): void => {
        if (odType !== undefined && m.odType !== odType) return;
        clearTimeout(timer);
        this.off('notice', onNotice);
        this.notices.splice(this.notices.indexOf(m), 1);
        resolve(m);
      };
      this.on('notice', onNotice);
    });
  }

  /** Closes the socket (1000) and waits for the close. */
  async close(): Promise<CloseInfo> {
    if (!this.closeInfo) this.ws.close(1000);
    return this.closed;
  }

  /** Drops the socket without a close handshake (a device losing its network). */
  terminate(): void {
    this.ws.terminate();
  }
}
