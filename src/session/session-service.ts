/**
 * The session layer: what AUTH, LOGOUT, SESSIONS and KICK do, and how their
 * effects (notices, kicks, events) reach sockets on this node or, through the
 * bus, on others. Knows nothing of frames or ws: sockets are SessionHolders and
 * replies are plain TimAck objects.
 */
import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import type { Logger } from 'pino';
import type { Identity } from '../auth/authenticator.js';
import type { LoginAuthenticator } from '../auth/login-authenticator.js';
import { issueResumeToken } from '../auth/token.js';
import type { Config } from '../config/defaults.js';
import { CloseCode, ErrorCode, failure, KickReason, kickText, type TimFailure } from '../errors.js';
import type { Metrics } from '../metrics.js';
import { checkAuthBounds } from '../policy/auth-bounds.js';
import { limitsFor } from '../policy/limits.js';
import { TokenBuckets } from '../policy/token-bucket.js';
import { boundEventField } from '../protocol/event-fields.js';
import { failAck, toTimSession } from '../protocol/replies.js';
import { ClientType } from '../protocol/type-codes.js';
import { EventKind, NoticeKind, type TimAck, type TimAuth, type TimMessage, type TimSessions } from '../protocol/types.js';
import { accountId } from './account-id.js';
import { presenceEvent, type Bus, type NodeCommand } from './bus.js';
import type { SessionInfo, SessionRegistry, Touch } from './registry.js';
import type { SessionHolder } from './session-holder.js';
import type { TokenIndex } from './token-index.js';

/** Everything the session layer works with. */
export interface SessionServiceDeps {
  readonly config: Config;
  readonly gatewayId: string;
  readonly registry: SessionRegistry;
  /** Where resume tokens presented alone are looked up (HTTP introspection, /api/v1/me). */
  readonly tokenIndex: TokenIndex;
  readonly bus: Bus;
  readonly authenticator: LoginAuthenticator;
  readonly metrics: Metrics;
  readonly log: Logger;
}

/** Logouts kept for a retry while the store is unreachable, at most. */
const MAX_UNFINISHED_LOGOUTS = 10_000;

/** The extend kept on a session: the client's, with an admin login token's over it; nothing when both are empty. */
function sessionExtend(own: Record<string, string>, issued: Readonly<Record<string, string>> | undefined): { extend?: Record<string, string> } {
  const merged = { ...own, ...issued };
  return Object.keys(merged).length ? { extend: merged } : {};
}

/** The session layer of one gateway node. */
export class SessionService {
  /**
   * Logged-in sockets of this node by connection id (a resumed ssid may briefly
   * have two sockets: the new one and the one being replaced).
   */
  readonly local = new Map<string, SessionHolder>();
  /** Connection ids whose login the table is deciding right now (their record may not exist yet). */
  private readonly deciding = new Set<string>();
  /** Logouts the table could not record yet (store unreachable), retried by reconcile(). */
  private readonly unfinishedLogouts = new Map<string, { readonly since: number; readonly session: SessionInfo }>();
  private readonly ipBuckets: TokenBuckets;
  private readonly accountBuckets: TokenBuckets;
  /** REJECTED events per address (refusal_events_ip): refusals beyond are answered but publish nothing. */
  private readonly refusalEvents: TokenBuckets;
  private noticeSeq = Date.now() * 1000;
  /** Logins being decided by the table and removals under way, which a shutdown waits for before it removes this node's sessions. */
  private readonly inFlight = new Set<Promise<unknown>>();
  private draining = false;

  constructor(private readonly deps: SessionServiceDeps) {
    this.ipBuckets = new TokenBuckets(deps.config.login_rate_ip);
    this.accountBuckets = new TokenBuckets(deps.config.login_rate_account);
    this.refusalEvents = new TokenBuckets(deps.config.refusal_events_ip);
    deps.bus.onCommand((cmd) => this.apply(cmd));
  }

  // ------------------------------------------------------------------ AUTH

  /** Handles an AUTH frame of `conn`; returns the ACK to send. */
  async login(conn: SessionHolder, auth: TimAuth): Promise<TimAck> {
    const started = performance.now();
    const ack = await this.tryLogin(conn, auth);
    const result = ack.ok ? 'ok' : String(ack.error?.code ?? ErrorCode.UNDEFINED);
    this.deps.metrics.logins.inc({ result });
    this.deps.metrics.loginLatency.observe((performance.now() - started) / 1000);
    return ack;
  }

  private rejected(auth: TimAuth, conn: SessionHolder, f: TimFailure, reason: string, extra: Partial<TimAck> = {}): TimAck {
    const cut = (s: string): string => boundEventField(s, this.deps.config.max_field_bytes);
    if (this.refusalEvents.take(conn.ip, Date.now())) this.event(EventKind.REJECTED, { domain: cut(auth.domain), name: cut(auth.name), ssid: '', resource: cut(auth.resource), termtyp: auth.termtyp, ip: conn.ip }, reason);
    else this.deps.metrics.rejectedEventsDropped.inc();
    this.deps.log.debug({ domain: auth.domain, name: auth.name, ip: conn.ip, code: f.code, reason }, 'login refused');
    return failAck(ClientType.AUTH, f, extra);
  }

  private async tryLogin(conn: SessionHolder, auth: TimAuth): Promise<TimAck> {
    const { config } = this.deps;
    if (conn.session) return failAck(ClientType.AUTH, failure(ErrorCode.PARAMETER_INCORRECT, 'already logged in'));
    // the address's bucket first: frames that fail the bounds cost as much to refuse as any other attempt
    const now = Date.now();
    if (!this.ipBuckets.take(conn.ip, now)) return this.rejected(auth, conn, failure(ErrorCode.FREQ_LIMIT), 'rate_limited');
    const bounds = checkAuthBounds(auth, config);
    if (bounds) return this.rejected(auth, conn, bounds, 'bad_parameter');
    // The account bucket guards password logins only (a token is 256 random
    // bits) and keeps only failures: each check takes a token first (so checks
    // made at once cannot outrun it) and a right password gives it back.
    const account = `${auth.domain}\u0000${auth.name}`;
    if (auth.token === '' && !this.accountBuckets.take(account, now)) return this.rejected(auth, conn, failure(ErrorCode.FREQ_LIMIT), 'rate_limited');

    let outcome;
    try {
      outcome = await this.deps.authenticator.authenticate({ ...auth, ip: conn.ip, live: () => !conn.closed }, now);
    } catch (e) {
      return this.storeDown(auth, conn, e);
    }
    if (!outcome.ok) return this.rejected(auth, conn, outcome.failure, outcome.reason);
    if (auth.token === '') this.accountBuckets.refund(account);
    // the socket closed during the check (the node may be shutting down): nothing to register
    if (conn.closed) return failAck(ClientType.AUTH, failure(ErrorCode.UNDEFINED, 'socket closed'));
    if (this.draining) return failAck(ClientType.AUTH, failure(ErrorCode.HEAVY_LOAD, 'gateway shutting down'));
    return this.track(this.register(conn, auth, outcome.identity));
  }

  /** The authenticated login of `conn` decided by the table, and its effects. */
  private async register(conn: SessionHolder, auth: TimAuth, identity: Identity): Promise<TimAck> {
    const { config, registry } = this.deps;
    const { resume, extend: issuedExtend, limits: identityLimits, revocation } = identity;
    const loginTime = Date.now();
    const session: SessionInfo = {
      ssid: resume?.ssid ?? randomBytes(12).toString('base64url'),
      domain: auth.domain,
      name: auth.name,
      resource: auth.resource,
      termtyp: auth.termtyp,
      loginTime,
      refreshTime: loginTime,
      ip: conn.ip,
      gateway: this.deps.gatewayId,
      connId: conn.connId,
      ...sessionExtend(auth.extend, issuedExtend),
      ...(identityLimits ? { limits: identityLimits } : {}),
      ...(revocation ? { revocation } : {}),
    };
    const token = issueResumeToken(auth.domain, auth.name, session.ssid, loginTime + config.resume_timeout * 1000);
    // Registered before the table insert: a concurrent login that evicts this
    // session at once must find its socket to close it.
    this.attach(conn, session);
    this.deciding.add(conn.connId);
    let result;
    try {
      result = await registry.login({
        session,
        limits: limitsFor(config, auth.domain, identityLimits),
        kick: auth.kick,
        ...(resume ? { resumeHash: resume.hash } : {}),
        token: token.record,
        now: loginTime,
      });
    } catch (e) {
      this.deciding.delete(conn.connId);
      this.detach(conn);
      // the store may still apply the login after our timeout: take it back (a shutdown waits for this too)
      void this.track(this.takeBack(session));
      return this.storeDown(auth, conn, e);
    }
    this.deciding.delete(conn.connId);
    if (!result.ok) this.detach(conn);

    for (const s of result.removed) this.kick(s, KickReason.SESSION, {});
    if (!result.ok) {
      if (result.code === ErrorCode.BLOCKED) return this.rejected(auth, conn, failure(ErrorCode.BLOCKED), 'blocked');
      if (result.code === ErrorCode.ERROR_TOKEN) return this.rejected(auth, conn, failure(ErrorCode.ERROR_TOKEN), 'bad_token');
      const asking = { resource: auth.resource, termtyp: String(auth.termtyp), ip: conn.ip };
      for (const s of result.blocking) {
        this.send(s, { kind: 'notice', ssid: s.ssid, connId: s.connId, odType: NoticeKind.LOGOUT_REQUEST, dataString: 'a new device asks you to log out', extend: asking });
      }
      return this.rejected(auth, conn, failure(ErrorCode.OVER_ENTRY), 'over_entry', { sessions: result.blocking.map(toTimSession) });
    }

    const newcomer = { resource: auth.resource, termtyp: String(auth.termtyp), ip: conn.ip };
    for (const s of result.evicted) this.kick(s, KickReason.NEW_LOGIN, newcomer);
    if (result.replaced && result.replaced.connId !== conn.connId) this.kick(result.replaced, KickReason.RESUMED, newcomer);

    if (conn.closed) {
      // The socket closed (or was kicked by a racing login) while we were
      // deciding: its session must not outlive it.
      this.detach(conn);
      await this.takeBack(session);
      return failAck(ClientType.AUTH, failure(ErrorCode.UNDEFINED, 'socket closed'));
    }
    const stored = result.replaced ? { ...session, loginTime: result.replaced.loginTime } : session;
    conn.session = stored;
    this.event(EventKind.ONLINE, stored, resume ? 'resume' : 'login');
    // before the ACK, so the token can be introspected as soon as anyone has it; a failure only makes it unknown to introspection
    await this.deps.tokenIndex
      .put(stored.ssid, { domain: auth.domain, name: auth.name, resource: auth.resource, termtyp: auth.termtyp }, token.record.expires)
      .catch((err: unknown) => this.deps.log.warn({ err, ssid: stored.ssid }, 'could not index a resume token; introspection will not know it'));
    return {
      ok: true,
      timType: ClientType.AUTH,
      t: stored.loginTime,
      n: accountId(auth.domain, auth.name),
      n2: stored.ssid,
      token: token.token,
      t2: token.record.expires,
    };
  }

  /** Removes the record of a login that cannot stand; a failure is logged (the node's rejoin or the reconciliation reaps it). */
  private async takeBack(s: SessionInfo): Promise<void> {
    await this.deps.registry
      .remove(s.domain, s.name, s.ssid, s.connId)
      .catch((err: unknown) => this.deps.log.warn({ err, ssid: s.ssid }, 'could not take back a login that did not stand; it is reaped later'));
  }

  private storedDownLogged = false;

  /** The session store failed: 5104, logged once until it works again. */
  private storeDown(auth: TimAuth, conn: SessionHolder, e: unknown): TimAck {
    if (!this.storedDownLogged) {
      this.storedDownLogged = true;
      this.deps.log.error({ err: e }, 'session store unreachable: logins answer 5104 until it returns');
      setTimeout(() => (this.storedDownLogged = false), 10_000).unref();
    }
    return this.rejected(auth, conn, failure(ErrorCode.HEAVY_LOAD), 'store_unavailable');
  }

  // ------------------------------------------------------- logged-in requests

  /**
   * LOGOUT: ends the session (its resume token dies); the caller closes with
   * 4002 after the ACK. When the table cannot be reached the logout is kept
   * and retried (reconcile) so the token still dies once it can.
   */
  async logout(conn: SessionHolder): Promise<TimAck> {
    const s = conn.session!;
    this.detach(conn);
    return this.logoutOf(s);
  }

  /** LOGOUT of a session whose socket is gone (it sent LOGOUT, then closed before its turn came). */
  async logoutOf(s: SessionInfo): Promise<TimAck> {
    try {
      await this.finishLogout(s);
    } catch (e) {
      this.keepLogout(s);
      throw e;
    }
    return { ok: true, timType: ClientType.LOGOUT };
  }

  /** Records a logout in the table; a socket that resumed the ssid meanwhile is logged out too. */
  private async finishLogout(s: SessionInfo): Promise<void> {
    const removed = await this.deps.registry.removeSessions(s.domain, s.name, [s.ssid]);
    await this.deps.authenticator.ended(s, Date.now());
    for (const r of removed) if (r.connId !== s.connId) this.kick(r, KickReason.SESSION, {});
    this.event(EventKind.OFFLINE, s, 'logout');
  }

  /** Keeps a logout the table refused, for reconcile() to retry until its token would have expired anyway. */
  private keepLogout(s: SessionInfo): void {
    if (this.unfinishedLogouts.size >= MAX_UNFINISHED_LOGOUTS) {
      this.deps.log.error({ ssid: s.ssid }, 'too many logouts waiting for the session store: this one is dropped and its resume token stays valid');
      return;
    }
    this.unfinishedLogouts.set(`${s.domain}\u0000${s.name}\u0000${s.ssid}`, { since: Date.now(), session: s });
  }

  /** SESSIONS: this session and the account's others, cluster-wide. */
  sessions(conn: SessionHolder): Promise<TimSessions> {
    return this.sessionsOf(conn.session!);
  }

  /** SESSIONS of session `me` (also one without a socket: GET /api/v1/me/sessions with its resume token). */
  async sessionsOf(me: SessionInfo): Promise<TimSessions> {
    const all = await this.deps.registry.list(me.domain, me.name);
    const fresh = all.map((s) => this.withLocalRefresh(s));
    return {
      self: toTimSession(fresh.find((s) => s.ssid === me.ssid) ?? this.withLocalRefresh(me)),
      online: fresh.filter((s) => s.ssid !== me.ssid).map(toTimSession),
    };
  }

  /** KICK by session `me`: logs out the listed sessions of its own account; others' and unknown ssids are ignored. */
  async kickOwn(me: SessionInfo, ssids: readonly string[]): Promise<TimAck> {
    const targets = ssids.filter((s) => s !== me.ssid);
    const removed = targets.length ? await this.deps.registry.removeSessions(me.domain, me.name, targets) : [];
    for (const s of removed) this.kick(s, KickReason.SESSION, { resource: me.resource, termtyp: String(me.termtyp), ip: me.ip });
    return { ok: true, timType: ClientType.KICK, t: removed.length };
  }

  /** A socket closed: its session leaves the table at once (its resume token stays valid). */
  async closed(conn: SessionHolder, reason: string): Promise<void> {
    const s = conn.session;
    if (!s) return;
    this.detach(conn);
    await this.track(
      this.deps.registry.remove(s.domain, s.name, s.ssid, s.connId).then(
        (removed) => removed && this.event(EventKind.OFFLINE, s, reason),
        (e: unknown) => this.deps.log.warn({ err: e, ssid: s.ssid }, 'could not remove a closed session; it leaves with its node lease'),
      ),
    );
  }

  /**
   * Shutdown, once this node's sockets are closed: refuses logins not yet
   * sent to the table and waits until those in the table's hands and the
   * removals under way have settled, so that none lands after the node
   * removed its sessions.
   */
  async drain(): Promise<void> {
    this.draining = true;
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
  }

  private track<T>(work: Promise<T>): Promise<T> {
    this.inFlight.add(work);
    const done = (): void => void this.inFlight.delete(work);
    work.then(done, done);
    return work;
  }

  /**
   * Heartbeat work against the table: writes the refreshTime of this node's
   * sessions, closes (KICKED, reason revoked) any socket whose session the
   * table no longer lists for it (a kick or logout whose delivery was lost,
   * e.g. a pub/sub message dropped while Redis reconnected), and retries the
   * logouts the table refused while it was unreachable.
   */
  async reconcile(): Promise<void> {
    const touches: Touch[] = [];
    for (const conn of this.local.values()) {
      const s = conn.session;
      if (s && !this.deciding.has(conn.connId)) touches.push({ domain: s.domain, name: s.name, ssid: s.ssid, connId: s.connId, time: conn.lastSeen });
    }
    const gone = touches.length ? await this.deps.registry.touch(touches) : [];
    for (const t of gone) {
      const conn = this.local.get(t.connId);
      if (conn?.session && !this.deciding.has(t.connId)) this.kick(conn.session, KickReason.REVOKED, {});
    }
    for (const [key, entry] of this.unfinishedLogouts) {
      if (Date.now() - entry.since < this.deps.config.resume_timeout * 1000) await this.finishLogout(entry.session);
      if (this.unfinishedLogouts.get(key) === entry) this.unfinishedLogouts.delete(key);
    }
  }

  private withLocalRefresh(s: SessionInfo): SessionInfo {
    const c = s.gateway === this.deps.gatewayId ? this.local.get(s.connId) : undefined;
    return c && c.session?.ssid === s.ssid && c.lastSeen > s.refreshTime ? { ...s, refreshTime: c.lastSeen } : s;
  }

  private attach(conn: SessionHolder, session: SessionInfo): void {
    conn.session = session;
    this.local.set(conn.connId, conn);
    this.deps.metrics.sessions.set(this.local.size);
  }

  private detach(conn: SessionHolder): void {
    conn.session = null;
    this.local.delete(conn.connId);
    this.deps.metrics.sessions.set(this.local.size);
  }

  // ------------------------------------------------------------- delivery

  /** Tells the node holding `s` to send KICKED and close it; the table entry is already gone. */
  kick(s: SessionInfo, reason: KickReason, extend: Record<string, string>): void {
    this.deps.metrics.kicks.inc({ reason });
    this.event(EventKind.KICKED, s, reason);
    const cmd: NodeCommand = { kind: 'kick', ssid: s.ssid, connId: s.connId, reason, extend };
    if (!s.revocation || reason === KickReason.RESUMED) return this.send(s, cmd);
    // a kicked JWT session's token is revoked before its socket learns of the kick
    this.deps.authenticator
      .ended(s, Date.now())
      .catch((e: unknown) => this.deps.log.warn({ err: e, ssid: s.ssid }, 'could not revoke the JWT of a kicked session'))
      .finally(() => this.send(s, cmd));
  }

  /** Sends a command to the node holding `s` (applied at once when that is this node). */
  send(s: SessionInfo, cmd: NodeCommand): void {
    if (s.gateway === this.deps.gatewayId) {
      this.apply(cmd);
      return;
    }
    this.deps.bus.send(s.gateway, cmd).catch((e: unknown) => this.deps.log.warn({ err: e, gateway: s.gateway }, 'could not reach a gateway node'));
  }

  /**
   * A live session that lost its place when this node rejoined the cluster:
   * its socket is kicked (reason displaced, or revoked when it was logged out
   * or its account blocked meanwhile), unless its login is still being
   * decided (that login decides for itself).
   */
  lostPlace(s: SessionInfo, reason: typeof KickReason.DISPLACED | typeof KickReason.REVOKED): void {
    if (!this.deciding.has(s.connId)) this.kick(s, reason, {});
  }

  /** Applies a command to a socket of this node, if that socket still holds the ssid. Returns true if it did. */
  apply(cmd: NodeCommand): boolean {
    const conn = this.local.get(cmd.connId);
    if (!conn || conn.session?.ssid !== cmd.ssid) return false;
    if (cmd.kind === 'notice') {
      this.notify(conn, cmd.odType, cmd.dataString, cmd.extend);
      return true;
    }
    this.detach(conn);
    this.notify(conn, NoticeKind.KICKED, kickText[cmd.reason], { ...cmd.extend, reason: cmd.reason });
    conn.close(CloseCode.KICKED);
    return true;
  }

  /** Sends a system notice to a socket of this node. */
  notify(conn: SessionHolder, odType: number, dataString: string, extend: Readonly<Record<string, string>>): void {
    const message: TimMessage = { msType: 1, odType, id: ++this.noticeSeq, dataString, timestamp: Date.now(), extend: { ...extend } };
    this.deps.metrics.notices.inc({ kind: String(odType) });
    conn.notify(message);
  }

  /** Publishes a presence event for ADMSUB subscribers. */
  event(kind: number, s: Pick<SessionInfo, 'domain' | 'name' | 'ssid' | 'resource' | 'termtyp' | 'ip'>, reason: string): void {
    this.deps.bus.publish(presenceEvent(kind, s, reason));
  }
}
