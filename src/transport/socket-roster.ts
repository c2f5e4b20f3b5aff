/**
 * The open sockets of one listener, and those of them that have not
 * authenticated yet, counted per peer address (a cap per address and one in
 * all) until they authenticate or go. It is the sockets' SocketHost: a socket
 * holds a pointer to it, not closures of its own, and a logged-in socket
 * costs the unauthenticated count nothing.
 */
import { CappedCounts } from '../policy/capped-counts.js';
import type { SocketHost } from './framed-socket.js';

/** Sockets of one listener. */
export class SocketRoster<C extends { readonly ip: string }> implements SocketHost<C> {
  /** Every open socket. */
  readonly all = new Set<C>();
  private readonly waiting = new Set<C>();
  private readonly counts: CappedCounts;

  /**
   * Each address may hold `perIp` unauthenticated sockets, all addresses
   * together `total`; `counted` hears the number of open sockets after each
   * change (a gauge).
   */
  constructor(
    perIp: number,
    total: number,
    private readonly counted: (open: number) => void,
  ) {
    this.counts = new CappedCounts(perIp, total);
  }

  /** Unauthenticated sockets open now. */
  get unauthenticated(): number {
    return this.waiting.size;
  }

  /** Why `ip` may not open one more unauthenticated socket: 'key' (its own cap) or 'total'; null when it may. */
  full(ip: string): 'key' | 'total' | null {
    return this.counts.full(ip);
  }

  /** `conn` was accepted: it is open, and unauthenticated until it authenticates. */
  add(conn: C): void {
    this.all.add(conn);
    this.waiting.add(conn);
    this.counts.add(conn.ip);
    this.counted(this.all.size);
  }

  /** `conn` authenticated: it no longer counts against its address (once, whatever is called again). */
  authenticated(conn: C): void {
    if (this.waiting.delete(conn)) this.counts.remove(conn.ip);
  }

  /** `conn` is gone. */
  gone(conn: C): void {
    this.authenticated(conn);
    this.all.delete(conn);
    this.counted(this.all.size);
  }
}
