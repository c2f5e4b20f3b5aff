/**
 * What the admin operations do (PROTOCOL.md sections 8 and 13): notices,
 * kicks with blocks, online lookups, stats, single-use login tokens, and the
 * event stream. One implementation for every front end: the admin socket
 * (handle(), replies as AdmAcks) and the HTTP API (src/http) call the same
 * methods, which take plain request objects and answer Outcomes (failures as
 * data). Delivery goes through SessionService, which routes to other nodes
 * over the bus. Operator logins are OperatorAuth's business.
 */
import type { Logger } from 'pino';
import type { PasswordCheckLimiter } from '../auth/password-checks.js';
import { issueLoginToken } from '../auth/token.js';
import type { Clock } from '../clock.js';
import type { Config } from '../config/defaults.js';
import { ErrorCode, failure, KickReason, type TimFailure } from '../errors.js';
import { refusal, storeGuarded, success, type Outcome } from '../outcome.js';
import { checkExtend } from '../policy/auth-bounds.js';
import type { DecodedFrame } from '../protocol/codec.js';
import { failAdmAck, okAdmAck, toTimSession } from '../protocol/replies.js';
import { AdminType } from '../protocol/type-codes.js';
import type { AdmAck, AdmKick, AdmNotice, AdmOnline, AdmOnlineReply, AdmStats, AdmToken, TimSession } from '../protocol/types.js';
import { NoticeKind } from '../protocol/types.js';
import type { Bus, EventHandler } from './bus.js';
import { OperatorAuth } from './operator-auth.js';
import type { SessionInfo, SessionRegistry } from './registry.js';
import type { SessionService } from './session-service.js';

/** Everything the admin operations work with. */
export interface AdminServiceDeps {
  readonly config: Config;
  readonly registry: SessionRegistry;
  readonly bus: Bus;
  readonly sessions: SessionService;
  readonly log: Logger;
  /** Open client sockets on this node (AdmStats.connections). */
  readonly connections: () => number;
  /** The node's bound on password checks: ADMAUTH and dashboard sign-ins run their checks within it. */
  readonly passwordChecks: PasswordCheckLimiter;
  /** The clock of blocks, token expiries and stats (ms since epoch); default Date.now (tests inject their own). */
  readonly now?: Clock;
}

/** The reply to an admin request: an AdmAck, or the success payload of ADMONLINE / ADMSTATS. */
export type AdminReply = { readonly ack: AdmAck } | { readonly payload: AdmOnlineReply | AdmStats };

/** A single-use login token as ADMTOKEN and POST /api/v1/token issue it. */
export interface IssuedToken {
  readonly token: string;
  /** ms since epoch. */
  readonly expires: number;
}

/** Longest operator-supplied kick reason, in bytes. */
const MAX_REASON_BYTES = 256;
/** Longest block an ADMKICK may set: one year. */
const MAX_BLOCK_SECONDS = 365 * 86400;
/** Longest ADMTOKEN ttlSeconds: one day. */
const MAX_TOKEN_TTL_SECONDS = 86400;
/** The ssid list of requests that take names only (ADMONLINE). */
const NO_SSIDS: readonly string[] = [];

const bytes = (s: string): number => Buffer.byteLength(s, 'utf8');
const bad = (info: string): TimFailure => failure(ErrorCode.PARAMETER_INCORRECT, info);

/** The AdmAck of an outcome whose value goes into the ack's fields. */
function ackOf<T>(admType: number, out: Outcome<T>, fields: (value: T) => Partial<AdmAck>): AdminReply {
  return { ack: out.ok ? okAdmAck(admType, fields(out.value)) : failAdmAck(admType, out.failure) };
}

/** The reply of an outcome whose value is the reply payload. */
function payloadOf(admType: number, out: Outcome<AdmOnlineReply | AdmStats>): AdminReply {
  return out.ok ? { payload: out.value } : { ack: failAdmAck(admType, out.failure) };
}

/** The admin operations of one gateway node. */
export class AdminService {
  private readonly operators: OperatorAuth;
  private readonly now: Clock;

  constructor(private readonly deps: AdminServiceDeps) {
    this.operators = new OperatorAuth(deps.config, deps.passwordChecks);
    this.now = deps.now ?? Date.now;
  }

  /**
   * Checks an operator's name and password (ADMAUTH); null when right, 4105
   * or (throttled) 5105 otherwise. A check still waiting when `live` turns
   * false (its socket closed) is dropped.
   */
  authenticate(ip: string, name: string, pwd: string, live?: () => boolean): Promise<TimFailure | null> {
    return this.operators.authenticate(ip, name, pwd, live);
  }

  /** Checks an API key (HTTP API, dashboard sign-in) against the same per-address failure bucket as ADMAUTH. */
  checkApiKey(ip: string, presented: string): { readonly name: string } | TimFailure {
    return this.operators.checkKey(ip, presented);
  }

  // --------------------------------------------------------------- requests

  /** Handles an authenticated admin socket request (not ADMAUTH, ADMSUB or ADMPING, which are socket state). */
  async handle(frame: DecodedFrame<'adminIn'>): Promise<AdminReply> {
    const { type } = frame;
    switch (frame.type) {
      case AdminType.NOTICE:
        return ackOf(type, await this.notice(frame.payload), (t) => ({ t }));
      case AdminType.KICK:
        return ackOf(type, await this.kick(frame.payload), (t) => ({ t }));
      case AdminType.ONLINE:
        return payloadOf(type, await this.online(frame.payload));
      case AdminType.STATS:
        return payloadOf(type, await this.stats());
      case AdminType.TOKEN:
        return ackOf(type, await this.token(frame.payload), (t) => ({ n2: t.token, t2: t.expires }));
      default:
        return { ack: failAdmAck(type, failure(ErrorCode.FORMAT, `format error: type ${type} is not an admin request`)) };
    }
  }

  /** Runs an operation; a store failure becomes 5104 (logged). */
  private guarded<T>(what: string, op: () => Promise<Outcome<T>>): Promise<Outcome<T>> {
    return storeGuarded(this.deps.log, what, op);
  }

  /** ADMNOTICE: sends a notice to every session of the named accounts and to the listed ssids; the value is the sessions reached. */
  notice(req: AdmNotice): Promise<Outcome<number>> {
    return this.guarded('notice', async () => {
      const { config } = this.deps;
      const problem =
        this.checkTargets(req.domain, req.names, req.ssids) ??
        (req.odType !== NoticeKind.INFO && req.odType !== NoticeKind.LOGOUT_REQUEST ? bad('odType must be 1 (INFO) or 2 (LOGOUT_REQUEST)') : null) ??
        (bytes(req.dataString) > config.max_notice_bytes ? bad(`dataString longer than ${config.max_notice_bytes} bytes`) : null) ??
        checkExtend(req.extend, this.deps.config);
      if (problem) return refusal(problem);
      const targets = await this.targets(req.domain, req.names, req.ssids);
      for (const s of targets) {
        this.deps.sessions.send(s, { kind: 'notice', ssid: s.ssid, connId: s.connId, odType: req.odType, dataString: req.dataString, extend: req.extend });
      }
      return success(targets.length);
    });
  }

  /**
   * ADMKICK: blocks the named accounts for `blockSeconds` (first, so a racing
   * login is refused), then logs out their sessions and the listed ssids
   * (cluster-wide): KICKED notice with reason `admin` (the operator's reason in
   * extend `message`), close 4001, resume tokens revoked (for named accounts
   * every token, also of sessions that already closed); the value is the
   * sessions logged out.
   */
  kick(req: AdmKick): Promise<Outcome<number>> {
    return this.guarded('kick', async () => {
      const problem =
        this.checkTargets(req.domain, req.names, req.ssids) ??
        (bytes(req.reason) > MAX_REASON_BYTES ? bad(`reason longer than ${MAX_REASON_BYTES} bytes`) : null) ??
        (!Number.isInteger(req.blockSeconds) || req.blockSeconds < 0 || req.blockSeconds > MAX_BLOCK_SECONDS
          ? bad(`blockSeconds must be 0..${MAX_BLOCK_SECONDS}`)
          : null) ??
        (req.blockSeconds > 0 && req.names.length === 0 ? bad('blockSeconds needs names') : null);
      if (problem) return refusal(problem);
      const { registry } = this.deps;
      const names = [...new Set(req.names)];
      if (req.blockSeconds > 0) {
        const until = this.now() + req.blockSeconds * 1000;
        await Promise.all(names.map((n) => registry.block(req.domain, n, until)));
      }
      const removals = await Promise.all(names.map((n) => registry.removeSessions(req.domain, n, null)));
      const removed = removals.flatMap((r) => r.sessions);
      for (const s of await registry.findSessions(req.domain, req.ssids)) {
        if (!names.includes(s.name)) removed.push(...(await registry.removeSessions(s.domain, s.name, [s.ssid])).sessions);
      }
      // the account's closed sessions lose their resume tokens: the JWTs they logged in with end too
      await Promise.all(names.map((n, i) => this.deps.sessions.endClosed(req.domain, n, removals[i]!.revocations)));
      const extend: Record<string, string> = req.reason ? { message: req.reason } : {};
      for (const s of removed) this.deps.sessions.kick(s, KickReason.ADMIN, extend);
      return success(removed.length);
    });
  }

  /** ADMONLINE: the sessions of each named account (an account with none is listed with an empty list). */
  online(req: AdmOnline): Promise<Outcome<AdmOnlineReply>> {
    return this.guarded('online', async () => {
      const problem = this.checkTargets(req.domain, req.names, NO_SSIDS);
      if (problem) return refusal(problem);
      const names = [...new Set(req.names)];
      const lists = await Promise.all(names.map((n) => this.deps.registry.list(req.domain, n)));
      const fresh = (s: SessionInfo): TimSession => toTimSession(this.deps.sessions.hub.withLocalRefresh(s));
      return success({ accounts: names.map((name, i) => ({ domain: req.domain, name, sessions: lists[i]!.map(fresh) })) });
    });
  }

  /** ADMSTATS: table-wide counts plus this node's open client sockets. */
  stats(): Promise<Outcome<AdmStats>> {
    return this.guarded('stats', async () => {
      const s = await this.deps.registry.stats(this.now());
      return success({ sessions: s.sessions, accounts: s.accounts, connections: this.deps.connections(), gateways: s.gateways, perDomain: { ...s.perDomain }, tokens: s.tokens });
    });
  }

  /**
   * ADMTOKEN: a single-use login token for domain+name living `ttlSeconds`
   * (0 = token_timeout), with its expiry (ms). `extend` is kept on the
   * session the token logs in (over the client's own extend).
   */
  token(req: AdmToken): Promise<Outcome<IssuedToken>> {
    return this.guarded('token', async () => {
      const max = this.deps.config.max_field_bytes;
      const problem =
        (req.name === '' || bytes(req.name) > max ? bad(`name must be 1 to ${max} bytes`) : null) ??
        (bytes(req.domain) > max ? bad(`domain longer than ${max} bytes`) : null) ??
        (!Number.isInteger(req.ttlSeconds) || req.ttlSeconds < 0 || req.ttlSeconds > MAX_TOKEN_TTL_SECONDS
          ? bad(`ttlSeconds must be 0..${MAX_TOKEN_TTL_SECONDS}`)
          : null) ??
        checkExtend(req.extend, this.deps.config);
      if (problem) return refusal(problem);
      const ttl = req.ttlSeconds || this.deps.config.token_timeout;
      const issued = issueLoginToken(req.domain, req.name, this.now() + ttl * 1000, req.extend);
      await this.deps.registry.putLoginToken(issued.id, issued.record);
      return success({ token: issued.token, expires: issued.record.expires });
    });
  }

  /** Checks an ADMSUB domain; null when fine. */
  checkSubscription(domain: string): TimFailure | null {
    const max = this.deps.config.max_field_bytes;
    return bytes(domain) > max ? bad(`domain longer than ${max} bytes`) : null;
  }

  /** Handles every presence event of the cluster (one handler per admin server). */
  onEvent(handler: EventHandler): void {
    this.deps.bus.onEvent(handler);
  }

  /** A consumer of the events wants other nodes' too (Bus.follow); resolves with its release. */
  followEvents(): Promise<() => void> {
    return this.deps.bus.follow();
  }

  // ---------------------------------------------------------------- helpers

  private checkTargets(domain: string, names: readonly string[], ssids: readonly string[]): TimFailure | null {
    const { max_field_bytes: max, max_admin_targets: most } = this.deps.config;
    if (bytes(domain) > max) return bad(`domain longer than ${max} bytes`);
    if (names.length + ssids.length === 0) return bad(ssids === NO_SSIDS ? 'names is required' : 'names or ssids is required');
    if (names.length + ssids.length > most) return bad(`names and ssids list more than ${most} targets`);
    if (names.some((n) => n === '' || bytes(n) > max)) return bad(`names: each must be 1 to ${max} bytes`);
    if (ssids.some((s) => s === '' || bytes(s) > max)) return bad(`ssids: each must be 1 to ${max} bytes`);
    return null;
  }

  /** The sessions of the named accounts (cluster-wide) and of the listed ssids, each once. */
  private async targets(domain: string, names: readonly string[], ssids: readonly string[]): Promise<SessionInfo[]> {
    const lists = await Promise.all([...new Set(names)].map((n) => this.deps.registry.list(domain, n)));
    const bySsid = new Map<string, SessionInfo>();
    for (const s of [...lists.flat(), ...(await this.deps.registry.findSessions(domain, ssids))]) bySsid.set(s.ssid, s);
    return [...bySsid.values()];
  }
}
