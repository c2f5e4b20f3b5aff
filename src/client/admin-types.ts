/**
 * What TimAdminClient tells its user: options, events, errors, and how an
 * error reply is told apart from a success reply.
 */
import type { NodeSocketOptions } from './node-socket.js';
import type { ReconnectOptions } from './client-types.js';
import { decodePayload } from '../protocol/codec.js';
import type { AdmAck, AdmEvent } from '../protocol/types.js';

/** Options of TimAdminClient.connect. */
export interface AdminClientOptions extends Pick<NodeSocketOptions, 'ws'> {
  /** Operator name (an entry of `admins` in tim.json). */
  readonly name: string;
  readonly pwd: string;
  /** Milliseconds to wait for each reply before giving up and dropping the socket (default 10000). */
  readonly timeoutMs?: number;
  /**
   * After a drop, a 1001 shutdown or a 4004, connect again with exponential
   * backoff and full jitter, ADMAUTH with the same credentials and ADMSUB every
   * domain subscribed so far; never after close() (default true; `false` turns it off).
   */
  readonly reconnect?: boolean | Partial<ReconnectOptions>;
}

/** A refused admin request: the AdmAck's error. */
export class AdminError extends Error {
  constructor(
    readonly code: number,
    readonly info: string,
    readonly admType: number,
  ) {
    super(`admin request ${admType} failed: ${code} ${info}`);
    this.name = 'AdminError';
  }
}

/** A single-use login token issued by ADMTOKEN. */
export interface LoginToken {
  readonly token: string;
  /** ms since epoch. */
  readonly expires: number;
}

/** Events of an admin client and their argument. */
export interface AdminClientEvents {
  /** A presence event of a subscribed domain. */
  event: AdmEvent;
  /** The socket closed; `reconnect` says whether the client is about to connect again. */
  close: { readonly code: number; readonly reason: string; readonly reconnect: boolean };
  /** A reconnect attempt is scheduled after `delayMs`. */
  reconnecting: { readonly attempt: number; readonly delayMs: number };
  /** Authenticated and subscribed again, on the node `gateway`. */
  reconnected: { readonly gateway: string };
  /** Reconnecting stopped for good: ADMAUTH refused (`code`, e.g. 4105), or the attempts ran out (code 0). */
  reconnectFailed: { readonly code: number; readonly reason: string };
}

/** The AdmAck error carried by a reply frame of `type`, if it is one. */
export function errorOf(type: number, frame: Uint8Array): AdminError | null {
  let ack: AdmAck;
  try {
    ack = decodePayload('AdmAck', frame.subarray(1)); // byte 0 is the type code
  } catch {
    return null;
  }
  if (ack.ok || ack.admType !== type || !ack.error?.code) return null;
  return new AdminError(ack.error.code, ack.error.info, type);
}
