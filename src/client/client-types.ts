/**
 * What TimClient tells its user: options, events and errors. Browser-safe.
 */
import type { FrameFormat } from '../protocol/codec.js';
import type { TimAck, TimMessage, TimSession } from '../protocol/types.js';
import type { BackoffOptions } from './backoff.js';
import type { WebSocketConstructor, WebSocketLike } from './web-socket.js';

/** Automatic reconnect settings. */
export interface ReconnectOptions extends BackoffOptions {
  /** Attempts after one drop before giving up (default: until the resume token expires). */
  readonly maxAttempts: number;
}

/** Options of a TimClient. */
export interface TimClientOptions<S extends WebSocketLike = WebSocketLike> {
  /** The WebSocket constructor (default: the global one; the Node entry passes `ws`). */
  readonly WebSocket?: WebSocketConstructor<S>;
  /** `binary` protobuf (default), `json` (protobuf-JSON in binary frames) or `text` (text mode, PROTOCOL.md section 10). */
  readonly format?: FrameFormat;
  /**
   * Resume the session after a drop, a 1001 shutdown or a 4004 with the resume
   * token, with exponential backoff and full jitter; never after 4001, 4002,
   * 4003 or a close of our own (default true; `false` turns it off).
   */
  readonly reconnect?: boolean | Partial<ReconnectOptions>;
  /** Milliseconds a request waits for its reply before failing (default 15000). */
  readonly requestTimeoutMs?: number;
}

/** The device a notice names (the new device asking, or the one that kicked this session). */
export interface Device {
  readonly resource: string;
  readonly termtyp: number;
  readonly ip: string;
}

/** Events of a TimClient and their argument. */
export interface TimClientEvents {
  /** Every system notice. */
  notice: TimMessage;
  /** A login was refused because of this session (or an operator asks): the asking device. */
  logoutRequest: { readonly message: TimMessage; readonly device: Device };
  /** This session is being logged out; the socket closes with 4001 and the client does not reconnect. */
  kicked: { readonly reason: string; readonly reconnect: false; readonly message: TimMessage; readonly device: Device | null };
  /** A login was refused with 4111: the sessions that block it. */
  overEntry: { readonly sessions: TimSession[]; readonly ack: TimAck };
  /** The socket closed; `reconnect` says whether the client is about to resume the session. */
  close: { readonly code: number; readonly reason: string; readonly reconnect: boolean };
  /** A reconnect attempt is scheduled after `delayMs`. */
  reconnecting: { readonly attempt: number; readonly delayMs: number };
  /** The session was resumed on a new socket (same ssid). */
  reconnected: TimAck;
  /** Reconnecting stopped for good: the gateway refused the resume (ack), or the attempts or the token ran out. */
  reconnectFailed: { readonly ack: TimAck | null; readonly reason: string };
  /** Every frame received (type code and payload), for tools and tests. */
  frame: { readonly type: number; readonly payload: object };
}

/** A request the gateway answered with an error (TimAck.error). */
export class TimRequestError extends Error {
  constructor(
    readonly code: number,
    readonly info: string,
    readonly timType: number,
  ) {
    super(`request ${timType} failed: ${code} ${info}`);
    this.name = 'TimRequestError';
  }
}
