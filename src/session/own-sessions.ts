/**
 * What a logged-in socket may do to its own account's sessions: SESSIONS
 * (list them, cluster-wide), KICK (log out some of them) and LOGOUT (end its
 * own). A logout the table could not record yet is kept and retried on a
 * short timer (RetryQueue), so its resume token still dies once the table
 * answers.
 */
import { KickReason } from '../errors.js';
import { toTimSession } from '../protocol/replies.js';
import { ClientType } from '../protocol/type-codes.js';
import { EventKind, type TimAck, type TimSessions } from '../protocol/types.js';
import type { LocalSockets } from './local-sockets.js';
import { TABLE_RETRY_PACE } from './owed-removals.js';
import type { Removal, SessionInfo } from './registry.js';
import { RetryQueue } from './retry-queue.js';
import type { SessionDeps } from './session-deps.js';

/** A removal of nothing (a KICK naming only the asking session). */
const NOTHING: Removal = Object.freeze({ sessions: [], revocations: [] });

/** A logout the table could not record yet, since `since` (ms). */
interface UnfinishedLogout {
  readonly since: number;
  readonly session: SessionInfo;
}

/** The account's own-session operations of one gateway node. */
export class OwnSessions {
  /** Logouts the table could not record yet (store unreachable), retried until their tokens would have expired anyway. */
  readonly unfinishedLogouts: RetryQueue<UnfinishedLogout>;

  constructor(
    private readonly deps: SessionDeps,
    private readonly hub: LocalSockets,
  ) {
    this.unfinishedLogouts = new RetryQueue(
      async (u) => {
        if (deps.now() - u.since < deps.config.resume_timeout * 1000) await this.finishLogout(u.session);
      },
      TABLE_RETRY_PACE,
      (u) => deps.log.error({ ssid: u.session.ssid }, 'too many logouts waiting for the session store: this one is dropped and its resume token stays valid'),
    );
  }

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
    const { sessions: removed, revocations } = targets.length ? await this.deps.registry.removeSessions(me.domain, me.name, targets) : NOTHING;
    await this.hub.endClosed(me.domain, me.name, revocations);
    for (const s of removed) this.hub.kick(s, KickReason.SESSION, { resource: me.resource, termtyp: String(me.termtyp), ip: me.ip });
    return { ok: true, timType: ClientType.KICK, t: removed.length };
  }

  /** Records a logout in the table; a socket that resumed the ssid meanwhile is logged out too. */
  private async finishLogout(s: SessionInfo): Promise<void> {
    const { sessions: removed, revocations } = await this.deps.registry.removeSessions(s.domain, s.name, [s.ssid]);
    await this.deps.authenticator.ended(s, this.deps.now());
    await this.hub.endClosed(s.domain, s.name, revocations.filter((r) => r.key !== s.revocation?.key));
    for (const r of removed) if (r.connId !== s.connId) this.hub.kick(r, KickReason.SESSION, {});
    this.hub.event(EventKind.OFFLINE, s, 'logout');
  }

  /** Keeps a logout the table refused, for a retry. */
  private keepLogout(s: SessionInfo): void {
    this.unfinishedLogouts.add(`${s.domain}\u0000${s.name}\u0000${s.ssid}`, { since: this.deps.now(), session: s });
  }
}
