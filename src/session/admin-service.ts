/**
 * What the admin socket's requests do (PROTOCOL.md section 8): operator
 * authentication with per-IP throttling of failures, notices, kicks with
 * blocks, online lookups, stats, single-use login tokens, and the event
 * stream. Knows nothing of frames or ws: requests and replies are plain
 * objects, failures are AdmAcks; delivery goes through SessionService, which
 * routes to other nodes over the bus.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { Logger } from 'pino';
import { verifyPassword } from '../auth/password-hash.js';
import { issueLoginToken } from '../auth/token.js';
import type { Config } from '../config/defaults.js';
import { ErrorCode, failure, type TimFailure } from '../errors.js';
import { checkExtend } from '../policy/auth-bounds.js';
import { TokenBuckets } from '../policy/token-bucket.js';
import { AdminType } from '../protocol/type-codes.js';
import type { AdmAck, AdmEvent, AdmKick, AdmNotice, AdmOnline, AdmOnlineReply, AdmStats, AdmToken } from '../protocol/types.js';
import { NoticeKind } from '../protocol/types.js';
import type { Bus } from './bus.js';
import type { SessionInfo, SessionRegistry } from './registry.js';
import { toTimSession, type SessionService } from './session-service.js';

/** Everything the admin operations work with. */
export interface AdminServiceDeps {
  readonly config: Config;
  readonly registry: SessionRegistry;
  readonly bus: Bus;
  readonly sessions: SessionService;
  readonly log: Logger;
  /** Open client sockets on this node (AdmStats.connections). */
  readonly connections: () => number;
}

/** The reply to an admin request: an AdmAck, or the success payload of ADMONLINE / ADMSTATS. */
export type AdminReply = { readonly ack: AdmAck } | { readonly payload: AdmOnlineReply | AdmStats };

/** Longest operator-supplied kick reason, in bytes. */
const MAX_REASON_BYTES = 256;
/** Longest block an ADMKICK may set: one year. */
const MAX_BLOCK_SECONDS = 365 * 86400;
/** Longest ADMTOKEN ttlSeconds: one day. */
const MAX_TOKEN_TTL_SECONDS = 86400;
/** The ssid list of requests that take names only (ADMONLINE). */
const NO_SSIDS: readonly string[] = [];

const bytes = (s: string): number => Buffer.byteLength(s, 'utf8');
const digest = (s: string): Buffer => createHash('sha256').update(s, 'utf8').digest();
const bad = (info: string): TimFailure => failure(ErrorCode.PARAMETER_INCORRECT, info);

/** A successful AdmAck for request `admType`. */
export function okAdmAck(admType: number, extra: Partial<AdmAck> = {}): AdmAck {
  return { ok: true, admType, ...extra };
}

/** A failed AdmAck for request `admType`. */
export function failAdmAck(admType: number, f: TimFailure): AdmAck {
  return { ok: false, admType, error: { code: f.code, info: f.info } };
}

/** The admin operations of one gateway node. */
export class AdminService {
  private readonly failures: TokenBuckets;
  /** ADMAUTH checks in progress per IP, chained: one at a time (bounded by the admin socket limit). */
  private readonly authQueues = new Map<string, Promise<void>>();
  /** SHA-256 of each admin name with its password hash, compared in constant time. */
  private readonly admins: readonly { readonly name: Buffer; readonly pwd: string }[];

  constructor(private readonly deps: AdminServiceDeps) {
    this.failures = new TokenBuckets(deps.config.admin_auth_failures);
    this.admins = deps.config.admins.map((a) => ({ name: digest(a.name), pwd: a.pwd }));
  }

  // ---------------------------------------------------------------- ADMAUTH

  /**
   * Checks an operator's name and password; null when they are right. An
   * unknown name costs the same as a wrong password (one scrypt either way).
   * Attempts from one IP are checked one at a time, each only while the IP's
   * failure bucket has a token (else 5105 without a check), so attempts made
   * at once cannot all be checked before the failures are counted.
   */
  authenticate(ip: string, name: string, pwd: string): Promise<TimFailure | null> {
    const run = (this.authQueues.get(ip) ?? Promise.resolve()).then(() => this.checkOperator(ip, name, pwd));
    const tail = run.then(
      () => {},
      () => {},
    );
    this.authQueues.set(ip, tail);
    void tail.then(() => {
      if (this.authQueues.get(ip) === tail) this.authQueues.delete(ip);
    });
    return run;
  }

  private async checkOperator(ip: string, name: string, pwd: string): Promise<TimFailure | null> {
    if (!this.failures.has(ip, Date.now())) return failure(ErrorCode.FREQ_LIMIT);
    const wanted = digest(name);
    let hash: string | undefined;
    for (const a of this.admins) if (timingSafeEqual(a.name, wanted) && hash === undefined) hash = a.pwd;
    if (await verifyPassword(pwd, hash)) return null;
    this.failures.take(ip, Date.now());
    return failure(ErrorCode.PERMISSION_DENIED);
  }

  // --------------------------------------------------------------- requests

  /** Handles an authenticated request of type `type` (not ADMAUTH, ADMSUB or ADMPING, which are socket state). */
  async handle(type: number, payload: Record<string, unknown>): Promise<AdminReply> {
    try {
      switch (type) {
        case AdminType.NOTICE:
          return { ack: await this.notice(payload as unknown as AdmNotice) };
        case AdminType.KICK:
          return { ack: await this.kick(payload as unknown as AdmKick) };
        case AdminType.ONLINE:
          return await this.online(payload as unknown as AdmOnline);
        case AdminType.STATS:
          return { payload: await this.stats() };
        case AdminType.TOKEN:
          return { ack: await this.token(payload as unknown as AdmToken) };
        default:
          return { ack: failAdmAck(type, failure(ErrorCode.FORMAT, `format error: type ${type} is not an admin request`)) };
      }
    } catch (err) {
      this.deps.log.error({ err, type }, 'admin request failed');
      return { ack: failAdmAck(type, failure(ErrorCode.HEAVY_LOAD, 'session store unavailable')) };
    }
  }

  /** ADMNOTICE: sends a notice to every session of the named accounts and to the listed ssids; t = sessions reached. */
  private async notice(req: AdmNotice): Promise<AdmAck> {
    const { config } = this.deps;
    const problem =
      this.checkTargets(req.domain, req.names, req.ssids) ??
      (req.odType !== NoticeKind.INFO && req.odType !== NoticeKind.LOGOUT_REQUEST ? bad('odType must be 1 (INFO) or 2 (LOGOUT_REQUEST)') : null) ??
      (bytes(req.dataString) > config.max_notice_bytes ? bad(`dataString longer than ${config.max_notice_bytes} bytes`) : null) ??
      checkExtend(req.extend, this.deps.config);
    if (problem) return failAdmAck(AdminType.NOTICE, problem);
    const targets = await this.targets(req.domain, req.names, req.ssids);
    for (const s of targets) {
      this.deps.sessions.send(s, { kind: 'notice', ssid: s.ssid, connId: s.connId, odType: req.odType, dataString: req.dataString, extend: req.extend });
    }
    return okAdmAck(AdminType.NOTICE, { t: targets.length });
  }

  /**
   * ADMKICK: blocks the named accounts for `blockSeconds` (first, so a racing
   * login is refused), then logs out their sessions and the listed ssids
   * (cluster-wide): KICKED notice with reason `admin` (the operator's reason in
   * extend `message`), close 4001, resume tokens revoked (for named accounts
   * every token, also of sessions that already closed); t = sessions logged out.
   */
  private async kick(req: AdmKick): Promise<AdmAck> {
    const problem =
      this.checkTargets(req.domain, req.names, req.ssids) ??
      (bytes(req.reason) > MAX_REASON_BYTES ? bad(`reason longer than ${MAX_REASON_BYTES} bytes`) : null) ??
      (!Number.isInteger(req.blockSeconds) || req.blockSeconds < 0 || req.blockSeconds > MAX_BLOCK_SECONDS
        ? bad(`blockSeconds must be 0..${MAX_BLOCK_SECONDS}`)
        : null) ??
      (req.blockSeconds > 0 && req.names.length === 0 ? bad('blockSeconds needs names') : null);
    if (problem) return failAdmAck(AdminType.KICK, problem);
    const { registry } = this.deps;
    const names = [...new Set(req.names)];
    if (req.blockSeconds > 0) {
      const until = Date.now() + req.blockSeconds * 1000;
      await Promise.all(names.map((n) => registry.block(req.domain, n, until)));
    }
    const removed = (await Promise.all(names.map((n) => registry.removeSessions(req.domain, n, null)))).flat();
    for (const s of await registry.findSessions(req.domain, req.ssids)) {
      if (!names.includes(s.name)) removed.push(...(await registry.removeSessions(s.domain, s.name, [s.ssid])));
    }
    const extend: Record<string, string> = req.reason ? { message: req.reason } : {};
    for (const s of removed) this.deps.sessions.kick(s, 'admin', extend);
    return okAdmAck(AdminType.KICK, { t: removed.length });
  }

  /** ADMONLINE: the sessions of each named account (an account with none is listed with an empty list). */
  private async online(req: AdmOnline): Promise<AdminReply> {
    const problem = this.checkTargets(req.domain, req.names, NO_SSIDS);
    if (problem) return { ack: failAdmAck(AdminType.ONLINE, problem) };
    const names = [...new Set(req.names)];
    const lists = await Promise.all(names.map((n) => this.deps.registry.list(req.domain, n)));
    return { payload: { accounts: names.map((name, i) => ({ domain: req.domain, name, sessions: lists[i]!.map(toTimSession) })) } };
  }

  /** ADMSTATS: table-wide counts plus this node's open client sockets. */
  private async stats(): Promise<AdmStats> {
    const s = await this.deps.registry.stats(Date.now());
    return { sessions: s.sessions, accounts: s.accounts, connections: this.deps.connections(), gateways: s.gateways, perDomain: { ...s.perDomain }, tokens: s.tokens };
  }

  /**
   * ADMTOKEN: a single-use login token for domain+name living `ttlSeconds`
   * (0 = token_timeout); n2 = the token, t2 = its expiry (ms). `extend` is
   * kept on the session the token logs in (over the client's own extend).
   */
  private async token(req: AdmToken): Promise<AdmAck> {
    const max = this.deps.config.max_field_bytes;
    const problem =
      (req.name === '' || bytes(req.name) > max ? bad(`name must be 1 to ${max} bytes`) : null) ??
      (bytes(req.domain) > max ? bad(`domain longer than ${max} bytes`) : null) ??
      (!Number.isInteger(req.ttlSeconds) || req.ttlSeconds < 0 || req.ttlSeconds > MAX_TOKEN_TTL_SECONDS
        ? bad(`ttlSeconds must be 0..${MAX_TOKEN_TTL_SECONDS}`)
        : null) ??
      checkExtend(req.extend, this.deps.config);
    if (problem) return failAdmAck(AdminType.TOKEN, problem);
    const ttl = req.ttlSeconds || this.deps.config.token_timeout;
    const issued = issueLoginToken(req.domain, req.name, Date.now() + ttl * 1000, req.extend);
    await this.deps.registry.putLoginToken(issued.id, issued.record);
    return okAdmAck(AdminType.TOKEN, { n2: issued.token, t2: issued.record.expires });
  }

  /** Checks an ADMSUB domain; null when fine. */
  checkSubscription(domain: string): TimFailure | null {
    const max = this.deps.config.max_field_bytes;
    return bytes(domain) > max ? bad(`domain longer than ${max} bytes`) : null;
  }

  /** Handles every presence event of the cluster (one handler per admin server). */
  onEvent(handler: (event: AdmEvent) => void): void {
    this.deps.bus.onEvent(handler);
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
