/**
 * `ws` as the client library's WebSocket in Node (Node 20 has no global
 * one): no compression, optional ws options (TLS ca, origin, local address),
 * and a refused upgrade reported as "HTTP <status>".
 */
import WebSocket, { type ClientOptions } from 'ws';
import type { WebSocketConstructor } from './web-socket.js';

/** Node-only socket options. */
export interface NodeSocketOptions {
  /** Options passed to ws (origin, TLS ca, headers, localAddress...). */
  readonly ws?: ClientOptions;
  /** Answer server pings (default true; tests turn it off to play a dead device). */
  readonly autoPong?: boolean;
}

/** A WebSocket constructor on `ws` with these options. */
export function nodeWebSocket(o: NodeSocketOptions = {}): WebSocketConstructor<WebSocket> {
  const options: ClientOptions = { perMessageDeflate: false, autoPong: o.autoPong ?? true, ...o.ws };
  return class NodeWebSocket extends WebSocket {
    constructor(url: string) {
      super(url, options);
      this.once('unexpected-response', (_req, res) => {
        this.emit('error', new Error(`HTTP ${res.statusCode ?? 0}`));
        this.terminate();
      });
    }
  };
}
