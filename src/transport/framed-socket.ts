/**
 * What client and admin sockets share: the auth deadline, frames handled one
 * at a time in arrival order (the socket stops reading while too many wait),
 * the send-buffer cap, and a close that cuts off a peer not answering it.
 * Subclasses say what a frame means; a Framing says how bytes become frames.
 */
import WebSocket from 'ws';
import type { Config } from '../config/defaults.js';
import { CloseCode, closeCodes } from '../errors.js';
import type { Channel, CodeOf, PayloadOf } from '../protocol/type-codes.js';
import type { WireData } from '../protocol/wire.js';
import type { Frame, SocketFraming } from './framing.js';

/** Frames waiting to be handled before the socket stops reading (back-pressure on a pipelining peer). */
const MAX_PENDING_FRAMES = 32;

/** Milliseconds a peer has to answer our close frame before the TCP connection is cut. */
const CLOSE_GRACE_MS = 1000;

/** The queue of a socket with no frame waiting (shared: a settled promise holds nothing). */
const IDLE: Promise<void> = Promise.resolve();

/**
 * The ws socket class of the gateway's servers (WebSocketServer's `WebSocket`
 * option): it points at the FramedSocket it carries, so that one listener
 * function per event serves every socket. A closure and its context per
 * event and socket were about 300 bytes of each idle socket's heap.
 */
export class CarrierSocket extends WebSocket {
  carrier: FramedSocket<Channel, Channel> | undefined = undefined;
}

/** The server a framed socket belongs to: told once it authenticates and once it is gone (one object per server, no closure per socket). */
export interface SocketHost<C> {
  authenticated(conn: C): void;
  gone(conn: C): void;
}

/** A WebSocket that carries protocol frames: received on channel `In`, sent on `Out`. */
export abstract class FramedSocket<In extends Channel, Out extends Channel> {
  /** True once the socket closed or began closing. */
  closed = false;
  private pending = 0;
  private queue = IDLE;
  private authTimer: NodeJS.Timeout | undefined;
  private released = false;

  constructor(
    protected readonly ws: CarrierSocket,
    protected readonly config: Config,
    /** Reads and writes frames; replaceable (text mode). */
    protected framing: SocketFraming<In, Out>,
  ) {
    this.authTimer = setTimeout(() => this.authDeadlinePassed(), config.auth_timeout * 1000);
    ws.carrier = this as FramedSocket<Channel, Channel>;
    ws.on('message', FramedSocket.onMessage);
    ws.on('close', FramedSocket.onClose);
    ws.on('pong', FramedSocket.onPong);
    ws.on('error', FramedSocket.onError);
  }

  private static onMessage(this: WebSocket, data: WebSocket.RawData, isBinary: boolean): void {
    (this as CarrierSocket).carrier?.receive(data as Buffer, isBinary);
  }

  private static onClose(this: WebSocket, code: number): void {
    const s = (this as CarrierSocket).carrier;
    if (!s) return;
    s.closed = true;
    s.stopAuthTimer();
    s.socketClosed(code);
    s.release();
  }

  private static onPong(this: WebSocket): void {
    (this as CarrierSocket).carrier?.pong();
  }

  private static onError(this: WebSocket, err: Error): void {
    (this as CarrierSocket).carrier?.socketError(err);
  }

  /** The peer answered a ping. */
  protected pong(): void {}

  /** ws reported an error on the socket (it closes the socket itself). */
  protected socketError(_err: Error): void {}

  /** True once the socket authenticated (frames then mean requests, not a login). */
  protected abstract get open(): boolean;

  /** Handles one frame; frames are handled one at a time, in order, also after the socket closed. */
  protected abstract handle(frame: Frame<In>): Promise<void>;

  /** A handler threw: answer the frame with a failure. */
  protected abstract handlerFailed(frame: Frame<In>, err: unknown): void;

  /** Called once when the socket is gone (closed by us or by the peer). */
  protected abstract gone(): void;

  /** A message arrived (before decoding): e.g. liveness bookkeeping. */
  protected received(): void {}

  /** The peer closed the socket (after any close of ours). */
  protected socketClosed(_code: number): void {}

  /** `auth_timeout` passed without a successful AUTH: closes with 4003 (a subclass may first let an AUTH being decided finish). */
  protected authDeadlinePassed(): void {
    this.close(CloseCode.AUTH_TIMEOUT);
  }

  /** The auth deadline no longer applies: the socket authenticated. */
  protected stopAuthTimer(): void {
    clearTimeout(this.authTimer);
    this.authTimer = undefined;
  }

  private receive(data: Buffer, isBinary: boolean): void {
    if (this.closed) return;
    this.received();
    const frame = this.framing.decode(data, isBinary, this.open);
    this.pending++;
    if (this.pending >= MAX_PENDING_FRAMES && !this.ws.isPaused) this.ws.pause();
    this.queue = this.queue
      .then(() => this.handle(frame))
      .catch((err: unknown) => this.handlerFailed(frame, err))
      .finally(() => {
        // the last frame in hand: the queue lets go of the chain (this promise is its tail)
        if (--this.pending === 0) this.queue = IDLE;
        if (this.pending < MAX_PENDING_FRAMES / 2 && this.ws.isPaused && !this.closed) this.ws.resume();
      });
  }

  /** Sends a frame made by `encode` unless the socket is closing; a peer that lets `max_buffered` pile up is closed (4006). */
  protected write(encode: (framing: SocketFraming<In, Out>) => WireData): void {
    if (this.closed || this.ws.readyState !== this.ws.OPEN) return;
    if (this.ws.bufferedAmount > this.config.max_buffered) return this.close(CloseCode.SLOW_CONSUMER);
    this.ws.send(encode(this.framing));
  }

  /** Sends a frame of `type`. */
  protected send<K extends CodeOf<Out>>(type: K, payload: Partial<PayloadOf<Out, K>>): void {
    this.write((f) => f.encode(type, payload));
  }

  /** Closes with a close code; a peer that does not answer the close handshake is cut off after a second. */
  close(code: CloseCode): void {
    if (this.closed) return;
    this.closed = true;
    this.stopAuthTimer();
    this.closing(code);
    this.ws.close(code, closeCodes[code].reason);
    setTimeout(() => this.ws.terminate(), CLOSE_GRACE_MS).unref();
    this.release();
  }

  /** We are closing the socket with `code` (before the close frame goes out). */
  protected closing(_code: CloseCode): void {}

  private release(): void {
    if (this.released) return;
    this.released = true;
    this.gone();
  }
}
