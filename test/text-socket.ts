/**
 * A raw WebSocket speaking text mode (PROTOCOL.md section 10) by hand, for
 * tests that check the exact messages on the wire.
 */
import { once } from 'node:events';
import WebSocket from 'ws';
import { onCleanup } from './helpers.js';

/** A received message: text mode's parsed JSON, or a binary frame's bytes. */
export type Received = { readonly text: string; readonly json: { type: number; data?: Record<string, unknown> } } | { readonly bytes: Buffer };

/** A socket whose received messages are queued and taken in order with next(). */
export class RawSocket {
  private readonly queue: Received[] = [];
  private waiting: ((m: Received) => void) | null = null;
  readonly closed: Promise<number>;

  private constructor(readonly ws: WebSocket) {
    this.closed = new Promise((resolve) => ws.on('close', (code) => resolve(code)));
    ws.on('error', () => {});
    ws.on('message', (data: Buffer, isBinary: boolean) => {
      const m: Received = isBinary ? { bytes: data } : { text: data.toString(), json: JSON.parse(data.toString()) as { type: number } };
      if (this.waiting) {
        const w = this.waiting;
        this.waiting = null;
        w(m);
      } else this.queue.push(m);
    });
  }

  /** Opens a socket to `url`; terminated after the test. */
  static async open(url: string): Promise<RawSocket> {
    const s = new RawSocket(new WebSocket(url, { perMessageDeflate: false }));
    onCleanup(async () => s.ws.terminate());
    await once(s.ws, 'open');
    return s;
  }

  /** Sends a text message (an object is sent as its JSON) or a binary frame. */
  send(m: object | string | Uint8Array): void {
    if (m instanceof Uint8Array) this.ws.send(m, { binary: true });
    else this.ws.send(typeof m === 'string' ? m : JSON.stringify(m));
  }

  /** The next message received (fails after 5 s or when the socket closes first). */
  next(): Promise<Received> {
    const queued = this.queue.shift();
    if (queued) return Promise.resolve(queued);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('no message within 5 s')), 5000);
      void this.closed.then((code) => reject(new Error(`closed (${code}) before a message`)));
      this.waiting = (m) => {
        clearTimeout(timer);
        resolve(m);
      };
    });
  }

  /** The next message, which must be a text message; returns its parsed JSON. */
  async nextText(): Promise<{ type: number; data?: Record<string, unknown> }> {
    const m = await this.next();
    if (!('json' in m)) throw new Error('expected a text message, got a binary frame');
    return m.json;
  }

  /** Sends a text message and returns the next text message. */
  async request(m: object | string): Promise<{ type: number; data?: Record<string, unknown> }> {
    this.send(m);
    return this.nextText();
  }
}
