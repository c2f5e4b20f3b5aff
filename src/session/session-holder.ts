import type { CloseCode } from '../errors.js';
import type { TimMessage } from '../protocol/types.js';
import type { SessionInfo } from './registry.js';

/**
 * What the session layer needs of a client socket (implemented by
 * src/transport/client-connection.ts), so that it never touches ws or frames.
 */
export interface SessionHolder {
  /** Unique id of this socket on this node. */
  readonly connId: string;
  /** Peer address. */
  readonly ip: string;
  /** True once the socket closed or began closing. */
  readonly closed: boolean;
  /** The session this socket is logged in as, or null. */
  session: SessionInfo | null;
  /** ms since epoch of the last frame or pong seen. */
  lastSeen: number;
  /** Sends a system notice (type 90). */
  notify(message: TimMessage): void;
  /** Closes the socket with a close code. */
  close(code: CloseCode): void;
}
