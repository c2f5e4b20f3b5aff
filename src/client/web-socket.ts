/**
 * The WHATWG WebSocket as the client library sees it: the global one in
 * browsers and Node 22+, or any constructor with the same surface (the Node
 * entry passes `ws`). Opening and closing, with the refusal reason when the
 * socket never opened.
 */

/** The part of the WHATWG WebSocket the library uses. */
export interface WebSocketLike {
  binaryType: string;
  readonly readyState: number;
  send(data: string | ArrayBufferView | ArrayBuffer): void;
  close(code?: number, reason?: string): void;
  addEventListener(type: 'open' | 'error', listener: (ev: { readonly message?: string }) => void): void;
  addEventListener(type: 'message', listener: (ev: { readonly data: unknown }) => void): void;
  addEventListener(type: 'close', listener: (ev: { readonly code: number; readonly reason: string }) => void): void;
}

/** A WebSocket constructor (the WHATWG signature). */
export type WebSocketConstructor<S extends WebSocketLike = WebSocketLike> = new (url: string) => S;

/** How a socket closed. */
export interface CloseInfo {
  readonly code: number;
  readonly reason: string;
}

/** WebSocket.OPEN. */
export const OPEN = 1;

/** The global WebSocket, or an error saying how to pass one (Node 20 has none). */
export function globalWebSocket(): WebSocketConstructor {
  const ctor = (globalThis as { WebSocket?: WebSocketConstructor }).WebSocket;
  if (!ctor) throw new Error('tim-gateway client: no global WebSocket here; pass one (options.WebSocket), or import the Node entry, which uses ws');
  return ctor;
}

/** A socket being opened: resolves `opened` when open, rejects it when the socket closed first (with the refusal reason if known). */
export interface Opening<S extends WebSocketLike> {
  readonly socket: S;
  readonly opened: Promise<void>;
  readonly closed: Promise<CloseInfo>;
}

/** Opens `url` with `ctor`; binary messages arrive as ArrayBuffers. */
export function openSocket<S extends WebSocketLike>(ctor: WebSocketConstructor<S>, url: string): Opening<S> {
  const socket = new ctor(url);
  socket.binaryType = 'arraybuffer';
  let refusal: string | undefined;
  let isOpen = false;
  socket.addEventListener('error', (ev) => {
    if (!isOpen) refusal ??= ev.message;
  });
  const closed = new Promise<CloseInfo>((resolve) => socket.addEventListener('close', (ev) => resolve({ code: ev.code, reason: ev.reason })));
  const opened = new Promise<void>((resolve, reject) => {
    socket.addEventListener('open', () => {
      isOpen = true;
      resolve();
    });
    void closed.then((c) => reject(new Error(refusal || `socket closed (${c.code})`)));
  });
  opened.catch(() => {}); // a caller that never awaits it must not see an unhandled rejection
  return { socket, opened, closed };
}

/** A received message as the codec wants it: a string (text mode) or bytes. */
export function messageData(data: unknown): string | Uint8Array {
  if (typeof data === 'string') return data;
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  if (ArrayBuffer.isView(data)) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  return new Uint8Array(0);
}
