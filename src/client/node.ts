/**
 * The client library's Node entry: TimClient on `ws` (Node 20 has no global
 * WebSocket), with Node-only socket options. Everything else as in the
 * browser entry (src/client/index.ts).
 */
import type WebSocket from 'ws';
import { TimClient as BrowserTimClient } from './client.js';
import type { TimClientOptions as BrowserOptions } from './client-types.js';
import { nodeWebSocket, type NodeSocketOptions } from './node-socket.js';

export * from './index.js';

/** Options of the Node TimClient: the browser ones plus ws options. */
export interface TimClientOptions extends BrowserOptions<WebSocket>, NodeSocketOptions {}

/** TimClient whose sockets are `ws` WebSockets (`ws` gives tests terminate() and the raw message events). */
export class TimClient extends BrowserTimClient<WebSocket> {
  constructor(url: string, options: TimClientOptions = {}) {
    super(url, { ...options, WebSocket: options.WebSocket ?? nodeWebSocket(options) });
  }

  /** A client with its socket open (not logged in yet). */
  static async connect(url: string, options: TimClientOptions = {}): Promise<TimClient> {
    const c = new TimClient(url, options);
    await c.open();
    return c;
  }
}
