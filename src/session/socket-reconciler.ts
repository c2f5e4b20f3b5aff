/**
 * Keeps this node's sockets and the session table in agreement (not to be
 * confused with reconciler.ts, the Redis table's own background pass). On
 * each heartbeat it writes the refreshTime of this node's live sessions,
 * closes (KICKED, reason revoked) any socket whose session the table no longer
 * lists for it (a kick or logout whose delivery was lost, e.g. a pub/sub
 * message dropped while Redis reconnected), and retries the logouts the table
 * refused while it was unreachable. When the node rejoins the cluster, it
 * closes the sockets whose sessions lost their place.
 */
import { KickReason } from '../errors.js';
import type { LocalSockets } from './local-sockets.js';
import type { OwnSessions } from './own-sessions.js';
import type { SessionInfo, SessionRegistry, Touch } from './registry.js';

/** The socket reconciler of one gateway node. */
export class SocketReconciler {
  constructor(
    private readonly registry: SessionRegistry,
    private readonly hub: LocalSockets,
    private readonly own: OwnSessions,
  ) {}

  /** One heartbeat's work against the table (see the file comment). */
  async reconcile(): Promise<void> {
    const touches: Touch[] = [];
    for (const conn of this.hub.byConn.values()) {
      if (conn.login.phase !== 'live') continue;
      const s = conn.login.session;
      touches.push({ domain: s.domain, name: s.name, ssid: s.ssid, connId: s.connId, time: conn.lastSeen });
    }
    const gone = touches.length ? await this.registry.touch(touches) : [];
    for (const t of gone) {
      const login = this.hub.byConn.get(t.connId)?.login;
      if (login?.phase === 'live') this.hub.kick(login.session, KickReason.REVOKED, {});
    }
    await this.own.unfinishedLogouts.flush();
  }

  /**
   * A live session that lost its place when this node rejoined the cluster:
   * its socket is kicked (reason displaced, or revoked when it was logged out
   * or its account blocked meanwhile), unless its login is still being
   * decided (that login decides for itself).
   */
  lostPlace(s: SessionInfo, reason: typeof KickReason.DISPLACED | typeof KickReason.REVOKED): void {
    if (!this.hub.isDeciding(s.connId)) this.hub.kick(s, reason, {});
  }
}
