/**
 * A lean client socket for load generation: raw `ws`, frames decoded with the
 * project's codec, and waits that are always bounded by a timeout.
 */
import WebSocket from 'ws';
import { decodeFrame, encodeFrame, isUndecodable, type DecodedFrame } from '../src/protocol/codec.js';
import { ClientType } from '../src/protocol/type-codes.js';
import type { TimAck, TimAuth } from '../src/protocol/types.js';

/** Longest wait for any single step (open, reply, close) before it counts as a failure. */
export const STEP_TIMEOUT_MS = 10_000;

type Reply = DecodedFrame<'clientOut'>;
type Waiter = { readonly match: (f: Reply) => boolean; readonly resolve: (f: Reply) => void };

/** One client socket of the load generator. */
export class BenchSocket {
  readonly closed: Promise<number>;
  private waiters: Waiter[] = [];

  private constructor(readonly ws: WebSocket) {
    this.closed = new Promise((resolve) => ws.once('close', (code) => resolve(code)));
    ws.on('error', () => {});
    ws.on('message', (data: Buffer) => {
      const f = decodeFrame('clientOut', data);
      if (isUndecodable(f)) return;
      const i = this.waiters.findIndex((w) => w.match(f));
      if (i >= 0) this.waiters.splice(i, 1)[0]!.resolve(f);
    });
  }

  /** Opens a socket (from `localAddress`, e.g. one of 127.x.y.z, when given); rejects on refusal or after STEP_TIMEOUT_MS. */
  static open(url: string, localAddress?: string): Promise<BenchSocket> {
    const ws = new WebSocket(url, { perMessageDeflate: false, handshakeTimeout: STEP_TIMEOUT_MS, ...(localAddress ? { localAddress } : {}) });
    return new Promise((resolve, reject) => {
      ws.once('open', () => resolve(new BenchSocket(ws)));
      ws.once('error', reject);
      ws.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
    });
  }

  /** Waits for the next frame matching `match` (registered before the request is sent). */
  next(match: (f: Reply) => boolean): Promise<Reply> {
    return bounded(
      new Promise<Reply>((resolve, reject) => {
        this.waiters.push({ match, resolve });
        void this.closed.then((code) => reject(new Error(`socket closed (${code})`)));
      }),
      'reply',
    );
  }

  /** Sends an AUTH frame and resolves with the ACK. */
  async login(auth: Partial<TimAuth>): Promise<TimAck> {
    const ack = this.next((f) => f.type === ClientType.ACK);
    this.ws.send(encodeFrame('clientIn', ClientType.AUTH, auth));
    const reply = await ack;
    if (reply.type !== ClientType.ACK) throw new Error('not an ACK');
    return reply.payload;
  }

  /** Sends LOGOUT and waits for its ACK and the gateway's close (4002). */
  async logout(): Promise<void> {
    const ack = this.next((f) => f.type === ClientType.ACK);
    this.ws.send(encodeFrame('clientIn', ClientType.LOGOUT, {}));
    const reply = await ack;
    if (reply.type !== ClientType.ACK || !reply.payload.ok) throw new Error('LOGOUT refused');
    await bounded(this.closed, 'logout close');
  }

  /** Closes cleanly (1000) and waits for the close, at most STEP_TIMEOUT_MS (then drops the socket). */
  async close(): Promise<void> {
    this.ws.close(1000);
    await bounded(this.closed, 'close').catch(() => this.ws.terminate());
  }
}

/** Rejects when `p` does not settle within STEP_TIMEOUT_MS. */
export function bounded<T>(p: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} timed out`)), STEP_TIMEOUT_MS);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}
