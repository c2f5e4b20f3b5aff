/**
 * What only cluster mode asks of the session table: a node that was cut off
 * (Redis away, or its lease lapsed) puts its live sessions back, the sessions
 * of dead nodes (and this node's own on shutdown) are reaped, and the
 * dashboard lists the nodes of the lease table. The embedded table has none
 * of this: its sessions live and die with the one process.
 */
import type { Limits } from '../policy/login-policy.js';
import type { SessionInfo, SessionRegistry } from './registry.js';

/** A live session of this node to register again (after Redis or the node's lease came back), with its account's limits. */
export interface RestoreRequest {
  readonly session: SessionInfo;
  readonly limits: Limits;
}

/**
 * A live session of this node that a restore could not register again:
 * `revoked` when it was logged out (kicked, evicted, LOGOUT) or its account
 * blocked while the node was away, `displaced` when it no longer fits the
 * limits (or another socket holds its ssid now).
 */
export interface LostPlace {
  readonly session: SessionInfo;
  readonly reason: 'displaced' | 'revoked';
}

/** The session table of cluster mode, shared by every node. */
export interface ClusterRegistry extends SessionRegistry {
  /**
   * Registers this node's live sessions again: a session still listed for the
   * same socket is kept; a missing one is put back if the account's limits
   * allow it (as in reject mode: no one is evicted) and it was not logged out
   * meanwhile. Returns the sessions that could not be (their sockets lost
   * their place and must be closed).
   */
  restore(entries: readonly RestoreRequest[], now: number): Promise<LostPlace[]>;
  /** Removes the sessions of `gateway` registered before `before` (ms): a dead node's, or this node's own on shutdown (before = MAX_SAFE_INTEGER). */
  reap(gateway: string, before: number): Promise<SessionInfo[]>;
}

/** A node of the lease table (the dashboard's node list). */
export interface NodeView {
  readonly id: string;
  /** ms since epoch at which its lease ends unless renewed. */
  readonly expires: number;
  /** Sessions the table lists for it. */
  readonly sessions: number;
}
