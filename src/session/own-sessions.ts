/**
 * What a logged-in socket may do to its own account's sessions: SESSIONS
 * (list them, cluster-wide), KICK (log out some of them) and LOGOUT (end its
 * own). A logout the table could not record yet is kept and retried by the
 * socket reconciler, so its resume token still dies once the table answers.
 */
import { KickReason } from '../errors.js';
import { toTimSession } from '../protocol/replies.js';
import { ClientType } from '../protocol/type-codes.js';
import { EventKind, type TimAck, type TimSessions } from '../protocol/types.js';
import type { LocalSockets } from './local-sockets.js';
import type { SessionInfo } from './registry.js';
import type { SessionDeps } from './session-deps.js';

/** Logouts kept for a retry while the store is unreachable, at most. */
const MAX_UNFINISHED_LOGOUTS = 10_000;

/** The account's own-session operations of one gateway node. */
export class OwnSessions {
  /** Logouts the table could not record yet (store unreachable), retried by retryLogouts(). */
  private readonly unfinishedLogouts = new Map<string, { readonly since: number; readonly session: SessionInfo }>();

  constructor(
    private readonly deps: SessionDeps,
    private readonly hub: LocalSockets,
  ) {}

  /**
   * LOGOUT of session `s` (also one whose socket is gone: it sent LOGOUT, then
   * closed before its turn came, or GET /api/v1/me/logout): ends it, its
   * resume token dies. When the table cannot be reached the logout is kept
   * and retried so the token still dies once it can.
   */
  async logoutOf(s: SessionInfo): Promise<TimAck> {
    try {
      await this.finishLogout(s);
    } catch (e) {
      this.keepLogout(s);
      throw e;
    }
    return { ok: true, timType: ClientType.LOGOUT };
  }

  /** SESSIONS of session `me` (also one without a socket: GET /api/v1/me/sessions with its resume token). */
  async sessionsOf(me: SessionInfo): Promise<TimSessions> {
    const all = await this.deps.registry.list(me.domain, me.name);
    const fresh = all.map((s) => this.hub.withLocalRefresh(s));
    return {
      self: toTimSession(fresh.find((s) => s.ssid === me.ssid) ?? this.hub.withLocalRefresh(me)),
      online: fresh.filter((s) => s.ssid !== me.ssid).map(toTimSession),
    };
  }

  /** KICK by session `me`: logs out the listed sessions of its own account; others' and unknown ssids are ignored. */
  async kickOwn(me: SessionInfo, ssids: readonly string[]): Promise<TimAck> {
    const targets = ssids.filter((s) => s !== me.ssid);
    const removed = targets.length ? await this.deps.registry.removeSessions(me.domain, me.name, targets) : [];
    for (const s of removed) this.hub.kick(s, KickReason.SESSION, { resource: me.resource, termtyp: String(me.termtyp), ip: me.ip });
    return { ok: true, timType: ClientType.KICK, t: removed.length };
  }

  /** Retries the logouts the table refused while it was unreachable, until their tokens would have expired anyway. */
  async retryLogouts(): Promise<void> {
    for (const [key, entry] of this.unfinishedLogouts) {
      if (this.deps.now() - entry.since < this.deps.config.resume_timeout * 1000) await this.finishLogout(entry.session);
      if (this.unfinishedLogouts.get(key) === entry) this.unfinishedLogouts.delete(key);
    }
  }

  /** Records a logout in the table; a socket that resumed the ssid meanwhile is logged out too. */
  private async finishLogout(s: SessionInfo): Promise<void> {
    const removed = await this.deps.registry.removeSessions(s.domain, s.name, [s.ssid]);
    await this.deps.authenticator.ended(s, this.deps.now());
    for (const r of removed) if (r.connId !== s.connId) this.hub.kick(r, KickReason.SESSION, {});
    this.hub.event(EventKind.OFFLINE, s, 'logout');
  }

  /** Keeps a logout the table refused, for retryLogouts(). */
  private keepLogout(s: SessionInfo): void {
    if (this.unfinishedLogouts.size >= MAX_UNFINISHED_LOGOUTS) {
      this.deps.log.error({ ssid: s.ssid }, 'too many logouts waiting for the session store: this one is dropped and its resume token stays valid');
      return;
    }
    this.unfinishedLogouts.set(`${s.domain}\u0000${s.name}\u0000${s.ssid}`, { since: this.deps.now(), session: s });
  }
}
