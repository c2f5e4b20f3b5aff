/**
 * Operator sign-in for the dashboard (an extension of PROTOCOL.md section 13):
 *
 * - `POST /api/v1/session` `{"name","pwd"}` (an operator of `admins`, checked
 *   and throttled exactly like ADMAUTH: same per-IP failure bucket), or an
 *   empty body with `Authorization: Bearer KEY` (an API key), answers
 *   `{"operator","csrf","expires"}` and sets the session cookie (HttpOnly,
 *   SameSite=Strict, Path=/, Secure when the admin listener serves TLS);
 * - `GET /api/v1/session` answers the same for a live cookie (the page reads
 *   its CSRF token after a reload), `{"operator": null}` otherwise;
 * - `DELETE /api/v1/session` signs out: that cookie is refused from then on,
 *   and what it opened (an event stream) is closed.
 *
 * Any API request may then carry the cookie instead of an API key (this is an
 * authenticator of the admin router). A request with the cookie whose method
 * is not GET or HEAD must also carry the session's token in `X-Tim-CSRF`
 * (4105 / 401 otherwise): a page of another origin can neither read that
 * token nor set the header without CORS, which this listener never grants.
 */
import type { IncomingMessage } from 'node:http';
import { sameString } from '../constant-time.js';
import type { Config } from '../config/defaults.js';
import { ErrorCode, failure, type TimFailure } from '../errors.js';
import { failureReply, jsonReply, type HttpReply } from '../http/http-reply.js';
import { bodyFields } from '../http/parse-request.js';
import type { Authenticator, Principal, RequestContext } from '../http/router.js';
import type { AdminService } from '../session/admin-service.js';
import { OperatorSessions, type OperatorSession } from './operator-sessions.js';

/** Name of the session cookie. */
export const SESSION_COOKIE = 'tim_dashboard';
/** Header carrying the CSRF token on state-changing requests (lower case, as node reports headers). */
export const CSRF_HEADER = 'x-tim-csrf';
/** Path of the sign-in endpoint. */
export const SESSION_PATH = '/api/v1/session';

const SAFE_METHODS = new Set(['GET', 'HEAD']);

/** The fields of a sign-in body (none with an API key). */
const signInFields = { name: 'string', pwd: 'string' } as const;

/** The value of cookie `name` in a Cookie header, or null. */
export function cookieValue(header: string | undefined, name: string): string | null {
  for (const part of (header ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return null;
}

/** Dashboard sign-in and the cookie authentication of API requests. */
export class CookieAuthenticator {
  readonly sessions: OperatorSessions;

  constructor(
    private readonly config: Config,
    private readonly admin: AdminService,
    /** Checks an API key presented to sign in (the admin router's API-key authenticator). */
    private readonly apiKeys: Authenticator,
    /** True when the admin listener serves TLS: the cookie is then Secure. */
    private readonly secure: boolean,
  ) {
    this.sessions = new OperatorSessions(config.dashboard_session_ttl * 1000);
  }

  /**
   * The authenticator of the admin router: the operator behind a request's
   * session cookie; null when it carries no such cookie (the next
   * authenticator is asked). A cookie that is unknown or over, and a
   * state-changing request without the session's CSRF token, get 4105.
   */
  readonly authenticate = (req: IncomingMessage): Promise<Principal | TimFailure | null> => Promise.resolve(this.check(req));

  private check(req: IncomingMessage): Principal | TimFailure | null {
    const id = cookieValue(req.headers.cookie, SESSION_COOKIE);
    if (id === null) return null;
    const s = this.sessions.use(id, Date.now());
    if (!s) return failure(ErrorCode.PERMISSION_DENIED, 'permission denied: signed out or session expired');
    if (!SAFE_METHODS.has(req.method ?? '') && !this.csrfMatches(req, s)) {
      return failure(ErrorCode.PERMISSION_DENIED, `permission denied: ${CSRF_HEADER} header missing or wrong`);
    }
    return { kind: 'operator', name: s.operator, ends: s.ended };
  }

  /** POST SESSION_PATH: signs in with name and password, or with an API key. */
  async signIn(ctx: RequestContext): Promise<HttpReply> {
    // the body is read and checked first, also when an API key signs in: bounded, and no unknown field passes
    const parsed = await bodyFields(ctx, signInFields);
    if ('reply' in parsed) return parsed.reply;
    const key = await this.apiKeys(ctx.req, ctx.ip);
    if (key) return 'code' in key ? failureReply(key) : this.open(`key:${key.name}`);
    const { name, pwd } = parsed.value;
    const max = this.config.max_field_bytes;
    if (name === '' || pwd === '' || Buffer.byteLength(name) > max || Buffer.byteLength(pwd) > max) {
      return failureReply(failure(ErrorCode.PARAMETER_INCORRECT, `parameter incorrect: name and pwd must be strings of 1 to ${max} bytes`));
    }
    const problem = await this.admin.authenticate(ctx.ip, name, pwd);
    return problem ? failureReply(problem) : this.open(name);
  }

  /** GET SESSION_PATH: the signed-in operator and the CSRF token, or `{"operator": null}`. */
  whoAmI(req: IncomingMessage): HttpReply {
    const id = cookieValue(req.headers.cookie, SESSION_COOKIE);
    const s = id === null ? null : this.sessions.use(id, Date.now());
    return jsonReply(s ? describe(s) : { operator: null });
  }

  /** DELETE SESSION_PATH: ends the cookie's session (CSRF header required). */
  signOut(req: IncomingMessage): HttpReply {
    const who = this.check(req) ?? failure(ErrorCode.PERMISSION_DENIED, 'permission denied: not signed in');
    if ('code' in who) return failureReply(who);
    this.sessions.signOut(cookieValue(req.headers.cookie, SESSION_COOKIE)!);
    return jsonReply({ signedOut: true }, 200, { 'set-cookie': `${this.cookie('')}; Max-Age=0` });
  }

  private open(operator: string): HttpReply {
    const { id, session } = this.sessions.open(operator, Date.now());
    return jsonReply(describe(session), 200, { 'set-cookie': this.cookie(id) });
  }

  private csrfMatches(req: IncomingMessage, s: OperatorSession): boolean {
    const sent = req.headers[CSRF_HEADER];
    return typeof sent === 'string' && sameString(sent, s.csrf);
  }

  /** A browser-session cookie (no Max-Age: gone when the browser closes; the server ends it sooner). */
  private cookie(value: string): string {
    return `${SESSION_COOKIE}=${value}; Path=/; HttpOnly; SameSite=Strict${this.secure ? '; Secure' : ''}`;
  }
}

function describe(s: OperatorSession): { operator: string; csrf: string; expires: number } {
  return { operator: s.operator, csrf: s.csrf, expires: s.expires };
}
