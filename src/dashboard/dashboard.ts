/**
 * The operators' dashboard on the admin listener's router: the page at `/`,
 * the sign-in endpoint and cookie authentication (cookie-auth.ts), and two
 * read-only extensions of section 13 the page needs: `GET /api/v1/limits?domain=D`
 * (the limits that apply to a domain) and `GET /api/v1/gateways` (the gateway
 * nodes with their sessions and lease).
 */
import type { Config } from '../config/defaults.js';
import { ErrorCode, failure } from '../errors.js';
import { apiKeyAuthenticator } from '../http/api-keys.js';
import { failureReply, jsonReply, type HttpReply } from '../http/http-reply.js';
import { StaticFiles } from '../http/static-files.js';
import type { HttpRouter, RequestContext } from '../http/router.js';
import { limitsFor } from '../policy/limits.js';
import type { AdminService } from '../session/admin-service.js';
import { CookieAuthenticator, SESSION_PATH } from './cookie-auth.js';
import type { GatewayNodes } from './gateway-nodes.js';

/** What the dashboard works with. */
export interface DashboardDeps {
  readonly config: Config;
  readonly admin: AdminService;
  readonly nodes: GatewayNodes;
  /** True when the admin listener serves TLS. */
  readonly secure: boolean;
}

/** Adds the dashboard's page, sign-in, cookie authentication and extensions to the admin router. */
export function addDashboard(router: HttpRouter, deps: DashboardDeps): CookieAuthenticator {
  const auth = new CookieAuthenticator(deps.config, deps.admin, apiKeyAuthenticator(deps.admin), deps.secure);
  const files = new StaticFiles('dashboard');
  router
    .authenticateWith(auth.authenticate)
    .route('POST', SESSION_PATH, (ctx) => auth.signIn(ctx), { public: true })
    .route('GET', SESSION_PATH, (ctx) => auth.whoAmI(ctx.req), { public: true })
    .route('DELETE', SESSION_PATH, (ctx) => auth.signOut(ctx.req), { public: true })
    .route('GET', '/api/v1/limits', (ctx) => limits(deps.config, ctx))
    .route('GET', '/api/v1/gateways', () => gateways(deps.nodes));
  for (const path of files.paths) router.route('GET', path, (ctx) => files.serve(ctx, path), { public: true });
  return auth;
}

/** GET /api/v1/gateways: the nodes, their session counts and lease state; 5104 when the store does not answer. */
async function gateways(nodes: GatewayNodes): Promise<HttpReply> {
  try {
    return jsonReply(await nodes.list(Date.now()));
  } catch {
    return failureReply(failure(ErrorCode.HEAVY_LOAD, 'session store unavailable'));
  }
}

/** GET /api/v1/limits?domain=D: the domain's limits (its `domains` overrides over the global keys). */
function limits(config: Config, ctx: RequestContext): HttpReply {
  const domain = ctx.url.searchParams.get('domain') ?? '';
  const max = config.max_field_bytes;
  if (Buffer.byteLength(domain) > max) return failureReply(failure(ErrorCode.PARAMETER_INCORRECT, `parameter incorrect: domain longer than ${max} bytes`));
  const l = limitsFor(config, domain);
  return jsonReply({ domain, device_limit: l.deviceLimit, devicetype_limit: l.typeLimit, overentry: l.mode, auth_min_unix: l.minAgeMs / 1000 });
}
