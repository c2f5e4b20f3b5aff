/**
 * Opening and closing of a client-side WebSocket, shared by the client and
 * the admin client: both wait for `open` (or fail with the HTTP status or the
 * close code) and fail their pending requests when the socket closes.
 */
import { once } from 'node:events';
import type WebSocket from 'ws';

/** How a socket closed. */
export interface CloseInfo {
  readonly code: number;
  readonly reason: string;
}

/**
 * Resolves with how `ws` closed. `onClose` runs first, with the close code
 * (to fail pending requests); socket errors end in a close and are not thrown.
 */
export function whenClosed(ws: WebSocket, onClose: (info: CloseInfo) => void): Promise<CloseInfo> {
  ws.on('error', () => {});
  return new Promise((resolve) => {
    ws.on('close', (code, reason) => {
      const info = { code, reason: reason.toString() };
      onClose(info);
      resolve(info);
    });
  });
}

/** Waits until `ws` is open; rejects with "HTTP <status>" or "<what> closed (<code>)". */
export async function opened(ws: WebSocket, closed: Promise<CloseInfo>, what: string): Promise<void> {
  await Promise.race([
    once(ws, 'open'),
    once(ws, 'unexpected-response').then(([, res]) => Promise.reject(new Error(`HTTP ${(res as { statusCode: number }).statusCode}`))),
    closed.then((c) => Promise.reject(new Error(`${what} closed (${c.code})`))),
  ]);
}
