/**
 * Client self-service over HTTP on the client listener (PROTOCOL.md section
 * 13, the reference "list my sessions, log the others out" flow for web
 * pages): with its resume token as `Authorization: Bearer TOKEN`, a page lists
 * its account's sessions, logs others out, or logs its own session out. Each
 * calls the session layer's operation that SESSIONS, KICK and LOGOUT call on
 * the socket. No token is 401 / 4105, a token that is not live (revoked,
 * expired, unknown) 401 / 4115; failed tokens are throttled per address by
 * `login_rate_ip` (429 / 5105). CORS follows `origins` (src/http/cors.ts).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import type { Config } from '../config/defaults.js';
import { ErrorCode, failure } from '../errors.js';
import { checkKickList } from '../policy/auth-bounds.js';
import { TokenBuckets } from '../policy/token-bucket.js';
import type { LiveToken, ResumeTokens } from '../session/introspection.js';
import type { SessionInfo } from '../session/registry.js';
import type { SessionService } from '../session/session-service.js';
import { bearer } from './api-keys.js';
import { Cors } from './cors.js';
import { failureReply, jsonReply, type HttpReply } from './http-reply.js';
import { bodyFields, queryFields } from './parse-request.js';
import { HttpRouter, type RequestContext } from './router.js';

/** What the client listener's routes work with. */
export interface MeRoutesDeps {
  readonly config: Config;
  readonly log: Logger;
  readonly service: SessionService;
  readonly tokens: ResumeTokens;
  /** Answers requests for other paths (the client listener's 426). */
  readonly fallback: (req: IncomingMessage, res: ServerResponse) => void;
}

/** An operation on the session of a live resume token. */
type OwnOperation = (me: SessionInfo, ctx: RequestContext) => Promise<HttpReply>;

const storeDown = (): HttpReply => failureReply(failure(ErrorCode.HEAVY_LOAD, 'session store unavailable'));
const noToken = (): HttpReply => failureReply(failure(ErrorCode.PERMISSION_DENIED, 'permission denied: Authorization: Bearer RESUME_TOKEN required'));
const deadToken = (): HttpReply => failureReply(failure(ErrorCode.ERROR_TOKEN, 'error token: not a live resume token'));

/** The session a live token stands for: its listed record, or, when it holds no socket now, one made of the token (with its JWT, which a logout revokes). */
function sessionOf(live: LiveToken, config: Config, ip: string): SessionInfo {
  if (live.session) return live.session;
  const { domain, name, resource, termtyp } = live.owner;
  const loginTime = live.expires - config.resume_timeout * 1000;
  return { ssid: live.ssid, domain, name, resource, termtyp, loginTime, refreshTime: loginTime, ip, gateway: '', connId: '', ...(live.revocation ? { revocation: live.revocation } : {}) };
}

/** The router of the client listener: /api/v1/me/... with CORS, anything else to `fallback`. */
export function createMeApi(deps: MeRoutesDeps): HttpRouter {
  const { config, service, tokens } = deps;
  const cors = new Cors(config.origins);
  const failures = new TokenBuckets(config.login_rate_ip);
  // an unknown /api/ path is an API client's mistake: 404 JSON, not the listener's 426
  const router = new HttpRouter({ maxBody: config.max_frame, log: deps.log.child({ http: 'client' }), fallback: deps.fallback, ownPrefix: '/api/', headers: cors.headers });

  /** Runs `op` as the live token of the request: 403 for a refused origin, 401 for no or a dead token, 429 after too many, 503 when the store is down. */
  const asOwner =
    (op: OwnOperation) =>
    async (ctx: RequestContext): Promise<HttpReply> => {
      const refused = cors.refusal(ctx.req);
      if (refused) return refused;
      const token = bearer(ctx.req);
      if (token === null) return noToken();
      if (!failures.has(ctx.ip, Date.now())) return failureReply(failure(ErrorCode.FREQ_LIMIT));
      let live: LiveToken | null;
      try {
        live = await tokens.find(token, Date.now());
      } catch {
        return storeDown();
      }
      if (!live) {
        failures.take(ctx.ip, Date.now());
        return deadToken();
      }
      return op(sessionOf(live, config, ctx.ip), ctx).catch(storeDown);
    };

  const route = (method: string, path: string, op: OwnOperation): void => {
    router.route(method, path, asOwner(op), { public: true });
    router.route('OPTIONS', path, (ctx) => cors.preflight(ctx.req, method), { public: true });
  };

  route('GET', '/api/v1/me/sessions', async (me, ctx) => {
    const req = queryFields(ctx, {});
    return 'reply' in req ? req.reply : jsonReply(await service.sessionsOf(me));
  });
  route('POST', '/api/v1/me/logout-others', async (me, ctx) => {
    const req = await bodyFields(ctx, { ssids: 'strings' });
    if ('reply' in req) return req.reply;
    const problem = checkKickList('ssids', req.value.ssids, config);
    if (problem) return failureReply(problem);
    const ack = await service.kickOwn(me, req.value.ssids);
    return jsonReply({ loggedOut: ack.t ?? 0 });
  });
  route('POST', '/api/v1/me/logout', async (me, ctx) => {
    const req = await bodyFields(ctx, {});
    if ('reply' in req) return req.reply;
    // connId "" is no socket's: the listed session is kicked (reason session, 4001) wherever it is
    await service.logoutOf({ ...me, connId: '' });
    return jsonReply({ loggedOut: 1 });
  });
  return router;
}
