/**
 * The login flow: what an AUTH frame does, from the rate limits and field
 * bounds through the password or token check to the table's decision and its
 * effects (kicks, LOGOUT_REQUEST notices, events), and the end of a socket's
 * session when it closes. A shutdown waits for both (InFlight).
 */
import { performance } from 'node:perf_hooks';
import type { Identity } from '../auth/authenticator.js';
import { issueResumeToken, randomId } from '../auth/token.js';
import { ErrorCode, failure, KickReason } from '../errors.js';
import { checkAuthBounds } from '../policy/auth-bounds.js';
import { limitsFor } from '../policy/limits.js';
import { TokenBuckets } from '../policy/token-bucket.js';
import { failAck } from '../protocol/replies.js';
import { ClientType } from '../protocol/type-codes.js';
import { EventKind, NoticeKind, type TimAck, type TimAuth } from '../protocol/types.js';
import { accountId } from './account-id.js';
import { InFlight } from './in-flight.js';
import type { LocalSockets } from './local-sockets.js';
import { gateLimits, TableGate, throughGate } from './table-gate.js';
import { LoginRefusals } from './login-refusals.js';
import { OwedRemovals } from './owed-removals.js';
import { heldSession, UNAUTHENTICATED } from './login-state.js';
import type { LoginUsed, SessionInfo } from './registry.js';
import type { SessionHolder } from './session-holder.js';
import type { SessionDeps } from './session-deps.js';

/** The extend kept on a session: the client's, with an admin login token's over it; nothing when both are empty. */
function sessionExtend(own: Record<string, string>, issued: Readonly<Record<string, string>> | undefined): { extend?: Record<string, string> } {
  const merged = { ...own, ...issued };
  return Object.keys(merged).length ? { extend: merged } : {};
}

/** The logins of one gateway node. */
export class LoginFlow {
  private readonly ipBuckets: TokenBuckets;
  private readonly accountBuckets: TokenBuckets;
  private readonly refusals: LoginRefusals;
  /** Logins being decided by the table and removals under way. */
  readonly inFlight = new InFlight();
  /** Removals the table refused for now, retried. */
  readonly owed: OwedRemovals;
  /** Cluster mode: the bound on this node's logins in flight on Redis (redis.write_concurrency, write_queue). */
  private readonly gate: TableGate | null;

  constructor(
    private readonly deps: SessionDeps,
    private readonly hub: LocalSockets,
  ) {
    this.ipBuckets = new TokenBuckets(deps.config.login_rate_ip);
    this.accountBuckets = new TokenBuckets(deps.config.login_rate_account);
    this.refusals = new LoginRefusals(deps, hub);
    this.owed = new OwedRemovals(deps, hub);
    const { redis } = deps.config;
    // a login waits its turn as long as its AUTH may take (its socket stays open meanwhile): a 5104 sooner would only
    // bring it back on a new socket after a backoff
    this.gate = redis ? new TableGate({ ...gateLimits(redis), maxWaitMs: deps.config.auth_timeout * 1000 }) : null;
  }

  /** Handles an AUTH frame of `conn`; returns the ACK to send. */
  async login(conn: SessionHolder, auth: TimAuth): Promise<TimAck> {
    const started = performance.now();
    const ack = await this.tryLogin(conn, auth);
    const result = ack.ok ? 'ok' : String(ack.error?.code ?? ErrorCode.UNDEFINED);
    this.deps.metrics.logins.inc({ result });
    this.deps.metrics.loginLatency.observe((performance.now() - started) / 1000);
    return ack;
  }

  private async tryLogin(conn: SessionHolder, auth: TimAuth): Promise<TimAck> {
    const { config } = this.deps;
    const { refusals } = this;
    if (conn.login.phase !== 'unauthenticated') return failAck(ClientType.AUTH, failure(ErrorCode.PARAMETER_INCORRECT, 'already logged in'));
    // the address's bucket first: frames that fail the bounds cost as much to refuse as any other attempt
    const now = this.deps.now();
    if (!this.ipBuckets.take(conn.ip, now)) return refusals.rejected(auth, conn, failure(ErrorCode.FREQ_LIMIT), 'rate_limited');
    const bounds = checkAuthBounds(auth, config);
    if (bounds) return refusals.rejected(auth, conn, bounds, 'bad_parameter');
    // The account bucket guards password logins only (a token is 256 random
    // bits) and keeps only failures: each check takes a token first (so checks
    // made at once cannot outrun it) and a right password gives it back.
    const account = `${auth.domain}\u0000${auth.name}`;
    if (auth.token === '' && !this.accountBuckets.take(account, now)) return refusals.rejected(auth, conn, failure(ErrorCode.FREQ_LIMIT), 'rate_limited');

    let outcome;
    try {
      outcome = await this.deps.authenticator.authenticate({ ...auth, ip: conn.ip, live: () => !conn.closed }, now);
    } catch (e) {
      return refusals.storeDown(auth, conn, e);
    }
    if (!outcome.ok) return refusals.rejected(auth, conn, outcome.failure, outcome.reason);
    if (auth.token === '') this.accountBuckets.refund(account);
    // the socket closed during the check (the node may be shutting down): nothing to register
    if (conn.closed) return failAck(ClientType.AUTH, failure(ErrorCode.UNDEFINED, 'socket closed'));
    if (this.inFlight.draining) return failAck(ClientType.AUTH, failure(ErrorCode.HEAVY_LOAD, 'gateway shutting down'));
    return this.inFlight.track(this.register(conn, auth, outcome.identity));
  }

  /** The authenticated login of `conn` decided by the table, and its effects. */
  private async register(conn: SessionHolder, auth: TimAuth, identity: Identity): Promise<TimAck> {
    const { config, registry } = this.deps;
    const { resume, loginToken, extend: issuedExtend, limits: identityLimits, revocation } = identity;
    const loginTime = this.deps.now();
    const session: SessionInfo = {
      ssid: resume?.ssid ?? randomId(12),
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
    // a JWT's session holds no resume token past the JWT's exp: resumes cannot stretch the identity (the store caps one the token carries)
    const token = issueResumeToken(auth.domain, auth.name, session.ssid, Math.min(loginTime + config.resume_timeout * 1000, revocation?.expires ?? Infinity), { extend: issuedExtend, limits: identityLimits, revocation });
    // Held (deciding) before the table insert: a concurrent login that evicts
    // this session at once must find its socket to close it.
    this.hub.attach(conn, session);
    const used: LoginUsed = { ...(resume ? { resumeHash: resume.hash } : {}), ...(loginToken ? { loginToken } : {}) };
    // on one Redis the login script itself tells the other nodes (a withdrawal then tells them of the OFFLINE)
    const online = this.hub.pending(EventKind.ONLINE, session, resume ? 'resume' : 'login');
    const decide = () => registry.login({ session, limits: limitsFor(config, auth.domain, identityLimits), kick: auth.kick, ...used, token: token.record, now: loginTime, announce: online.carried });
    let result;
    try {
      const gated = await throughGate(this.gate, () => !conn.closed, decide);
      if (!gated.ran) {
        // never sent: nothing to take back
        this.hub.detach(conn, UNAUTHENTICATED);
        return gated.why === 'busy' ? this.refusals.storeBusy(auth, conn) : failAck(ClientType.AUTH, failure(ErrorCode.UNDEFINED, 'socket closed'));
      }
      result = gated.value;
    } catch (e) {
      this.hub.detach(conn, UNAUTHENTICATED);
      // the store may still apply the login after our timeout: take it back (a shutdown waits for this too)
      void this.inFlight.track(this.owed.withdraw(session, used));
      return this.refusals.storeDown(auth, conn, e);
    }
    if (!result.ok) this.hub.detach(conn, UNAUTHENTICATED);

    // the device logging in, named to the sessions its AUTH kicks, asks to log out, or evicts
    const newcomer = { resource: auth.resource, termtyp: String(auth.termtyp), ip: conn.ip };
    for (const s of result.removed) this.hub.kick(s, KickReason.SESSION, newcomer);
    if (!result.ok) {
      if (result.code === ErrorCode.OVER_ENTRY) for (const s of result.blocking) this.hub.send(s, { kind: 'notice', ssid: s.ssid, connId: s.connId, odType: NoticeKind.LOGOUT_REQUEST, dataString: 'a new device asks you to log out', extend: newcomer });
      return this.refusals.refusedByTable(auth, conn, result.code, result.blocking);
    }

    for (const s of result.evicted) this.hub.kick(s, KickReason.NEW_LOGIN, newcomer);
    if (result.replaced && result.replaced.connId !== conn.connId) this.hub.kick(result.replaced, KickReason.RESUMED, newcomer);

    if (conn.closed) {
      // The socket closed (or was kicked by a racing login) while we were
      // deciding: its session must not outlive it.
      this.hub.detach(conn, { phase: 'closed', session: null });
      await this.owed.withdraw(session, used);
      return failAck(ClientType.AUTH, failure(ErrorCode.UNDEFINED, 'socket closed'));
    }
    const stored = result.session ?? (result.replaced ? { ...session, loginTime: result.replaced.loginTime } : session);
    const tokenExpires = Math.min(token.record.expires, stored.revocation?.expires ?? Infinity);
    this.hub.goLive(conn, stored);
    this.hub.publish(online);
    // before the ACK, so the token can be introspected as soon as anyone has it; a failure only makes it unknown to introspection
    if (!result.indexed) {
      await this.deps.tokenIndex
        .put(stored.ssid, { domain: auth.domain, name: auth.name, resource: auth.resource, termtyp: auth.termtyp }, tokenExpires)
        .catch((err: unknown) => this.deps.log.warn({ err, ssid: stored.ssid }, 'could not index a resume token; introspection will not know it'));
    }
    return {
      ok: true,
      timType: ClientType.AUTH,
      t: stored.loginTime,
      n: accountId(auth.domain, auth.name),
      n2: stored.ssid,
      token: token.token,
      t2: tokenExpires,
    };
  }

  /** A socket closed: its session leaves the table at once (its resume token stays valid). */
  async closed(conn: SessionHolder, reason: string): Promise<void> {
    const s = heldSession(conn.login);
    this.hub.detach(conn, { phase: 'closed', session: s });
    if (!s) return;
    await this.inFlight.track(this.owed.closed(s, reason));
  }
}
