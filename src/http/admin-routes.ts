/**
 * The HTTP API of the admin listener (PROTOCOL.md section 13) beside /healthz
 * and /metrics. Each route reads its request and calls the one implementation
 * of the operation that the admin socket calls too (AdminService).
 */
import type { Logger } from 'pino';
import type { Config } from '../config/defaults.js';
import type { Metrics } from '../metrics.js';
import type { AdminService } from '../session/admin-service.js';
import type { ResumeTokens } from '../session/introspection.js';
import type { TokenUpkeep } from '../session/token-upkeep.js';
import { EventStreams } from './event-stream.js';
import { introspectRoute } from './introspect-route.js';
import { jsonReply, outcomeReply } from './http-reply.js';
import { openApiDocument } from './openapi.js';
import { bodyFields, queryFields } from './parse-request.js';
import { apiKeyAuthenticator } from './api-keys.js';
import { HttpRouter } from './router.js';

/** What /healthz reports. */
export interface Health {
  readonly status: 'ok' | 'degraded';
  readonly gateway: string;
  readonly mode: 'embedded' | 'cluster';
  /** Whether the session table answers (cluster mode: Redis renewed this node's lease lately). */
  readonly store: 'ok' | 'unreachable';
  readonly connections: number;
  readonly sessions: number;
  readonly uptimeSeconds: number;
}

/** What the admin routes work with. */
export interface AdminRoutesDeps {
  readonly config: Config;
  readonly log: Logger;
  readonly admin: AdminService;
  readonly tokens: ResumeTokens;
  readonly upkeep: TokenUpkeep;
  readonly metrics: Metrics;
  readonly health: () => Health;
}

/** Request fields of each POST operation (kinds as in request-fields.ts). */
const noticeFields = { domain: 'string', names: 'strings', ssids: 'strings', odType: 'int', dataString: 'string', extend: 'map' } as const;
const kickFields = { domain: 'string', names: 'strings', ssids: 'strings', reason: 'string', blockSeconds: 'int' } as const;
const tokenFields = { domain: 'string', name: 'string', ttlSeconds: 'int', extend: 'map' } as const;
const onlineFields = { domain: 'string', names: 'strings' } as const;

/** Adds /healthz, /metrics and the admin operations of /api/v1 to `router`. */
export function addAdminRoutes(router: HttpRouter, deps: AdminRoutesDeps): void {
  const { admin, metrics } = deps;
  router
    .route(
      'GET',
      '/healthz',
      () => {
        const h = deps.health();
        return jsonReply(h, h.status === 'ok' ? 200 : 503);
      },
      { public: true },
    )
    .route(
      'GET',
      '/metrics',
      async ({ res }) => {
        const text = await metrics.registry.metrics();
        res.writeHead(200, { 'content-type': metrics.registry.contentType }).end(text);
        return 'streamed' as const;
      },
      { public: true },
    )
    .route('GET', '/openapi.json', () => jsonReply(openApiDocument), { public: true })
    .route('GET', '/api/v1/stats', async (ctx) => {
      const req = queryFields(ctx, {});
      return 'reply' in req ? req.reply : outcomeReply(await admin.stats(), (s) => s);
    })
    .route('GET', '/api/v1/online', async (ctx) => {
      const req = queryFields(ctx, onlineFields, { names: 'name' });
      return 'reply' in req ? req.reply : outcomeReply(await admin.online(req.value), (o) => o);
    })
    .route('POST', '/api/v1/notice', async (ctx) => {
      const req = await bodyFields(ctx, noticeFields);
      return 'reply' in req ? req.reply : outcomeReply(await admin.notice(req.value), (reached) => ({ reached }));
    })
    .route('POST', '/api/v1/kick', async (ctx) => {
      const req = await bodyFields(ctx, kickFields);
      return 'reply' in req ? req.reply : outcomeReply(await admin.kick(req.value), (kicked) => ({ kicked }));
    })
    .route('GET', '/api/v1/events', new EventStreams(deps.config, admin, metrics).handle)
    .route('POST', '/api/v1/introspect', introspectRoute(deps.config, deps.tokens))
    .route('POST', '/api/v1/token', async (ctx) => {
      const req = await bodyFields(ctx, tokenFields);
      return 'reply' in req ? req.reply : outcomeReply(await admin.token(req.value), (t) => t);
    })
    .route('GET', '/api/v1/token-stats', async (ctx) => {
      const req = queryFields(ctx, {});
      return 'reply' in req ? req.reply : outcomeReply(await deps.upkeep.stats(), (s) => s);
    })
    .route('POST', '/api/v1/cleanup-tokens', async (ctx) => {
      const req = await bodyFields(ctx, {});
      return 'reply' in req ? req.reply : outcomeReply(await deps.upkeep.cleanup(), (c) => c);
    });
}

/** The router of the admin listener: API-key authentication, bodies bounded by max_frame, the routes above. */
export function createAdminApi(deps: AdminRoutesDeps): HttpRouter {
  const router = new HttpRouter({ maxBody: deps.config.max_frame, log: deps.log.child({ http: 'admin' }) }).authenticateWith(apiKeyAuthenticator(deps.admin));
  addAdminRoutes(router, deps);
  return router;
}
