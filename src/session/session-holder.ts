import type { CloseCode } from '../errors.js';
import type { TimMessage } from '../protocol/types.js';
import type { LoginState } from './login-state.js';

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
  /** Where this socket's login stands; written only by the node's hub of local sockets (LocalSockets). */
  login: LoginState;
  /** ms since epoch of the last frame or pong seen. */
  lastSeen: number;
  /** Sends a system notice (type 90). */
  notify(message: TimMessage): void;
  /** Closes the socket with a close code. */
  close(code: CloseCode): void;
}
