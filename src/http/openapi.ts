/**
 * The OpenAPI 3.1 description of the HTTP API (GET /openapi.json): every
 * endpoint of the admin and client listeners (/api/v1/me/...), with request and answer schemas
 * (src/http/openapi-schemas.ts). Every error answer is an Error.
 */
import { dashboardPaths, dashboardSchemas, operatorCookieScheme } from '../dashboard/openapi-dashboard.js';
import { schemas } from './openapi-schemas.js';

const json = (name: string) => ({ 'application/json': { schema: { $ref: `#/components/schemas/${name}` } } });
const errors = { default: { description: 'an error (PROTOCOL.md section 13 statuses)', content: json('Error') } };
const ok = (name: string, description: string) => ({ '200': { description, content: json(name) }, ...errors });
const apiKey = [{ apiKey: [] }];
const body = (name: string) => ({ required: true, content: json(name) });
const resumeToken = [{ resumeToken: [] }];
const preflight = {
  summary: 'CORS preflight (origins): 204 with Access-Control-Allow-* for a listed Origin, 403 for another',
  security: [],
  responses: { '204': { description: 'allowed (no CORS headers when origins is absent)' }, ...errors },
};
/** One self-service operation of the client listener, with its preflight. */
const me = (method: 'get' | 'post', summary: string, responses: object, extra: object = {}) => ({
  [method]: { summary: `(client listener) ${summary}`, security: resumeToken, responses, ...extra },
  options: preflight,
});

/** The client listener's paths (section 13): a client manages its own account with its resume token. */
const mePaths = {
  '/api/v1/me/sessions': me('get', "this token's session and the account's others (SESSIONS)", ok('MeSessions', 'self and online')),
  '/api/v1/me/logout-others': me('post', 'log out own sessions by ssid (KICK: others\' and unknown ssids are ignored)', ok('LoggedOut', 'sessions logged out'), {
    requestBody: body('LogoutOthersRequest'),
  }),
  '/api/v1/me/logout': me('post', "end this token's session: KICKED reason session and 4001 on its socket, the token revoked", ok('LoggedOut', 'always 1'), {
    requestBody: { required: false, content: json('Empty') },
  }),
};

/** One operation of the document. */
const op = (summary: string, responses: object, extra: object = {}) => ({ summary, security: apiKey, responses, ...extra });

/** The document. */
export const openApiDocument = {
  openapi: '3.1.0',
  info: {
    title: 'tim-gateway HTTP API',
    version: '1',
    description: 'PROTOCOL.md section 13. Errors are {"error": {"code", "info"}}: 400 (4104, 4113), 401, 404, 405, 413, 415, 429 (5105), 503 (5104).',
  },
  paths: {
    '/healthz': { get: { summary: 'liveness of this node', responses: { '200': { description: 'serving', content: json('Health') }, '503': { description: 'shutting down', content: json('Health') } } } },
    '/metrics': { get: { summary: 'Prometheus metrics of this node', responses: { '200': { description: 'text exposition format', content: { 'text/plain': {} } } } } },
    '/api/v1/stats': { get: op('table-wide counts (ADMSTATS)', ok('Stats', 'the counts')) },
    '/api/v1/online': {
      get: op('the sessions of accounts (ADMONLINE)', ok('Online', 'each named account with its sessions'), {
        parameters: [
          { name: 'domain', in: 'query', schema: { type: 'string' } },
          { name: 'name', in: 'query', required: true, schema: { type: 'array', items: { type: 'string' } }, style: 'form', explode: true },
        ],
      }),
    },
    '/api/v1/notice': { post: op('send a system notice (ADMNOTICE)', ok('Reached', 'sent'), { requestBody: body('NoticeRequest') }) },
    '/api/v1/kick': { post: op('log accounts or sessions out (ADMKICK)', ok('Kicked', 'logged out'), { requestBody: body('KickRequest') }) },
    '/api/v1/events': {
      get: op('presence events as Server-Sent Events (ADMSUB)', {
        '200': {
          description: 'a stream: `event: online|offline|kicked|rejected` with `data:` a PresenceEvent; `: heartbeat` comments every sse_heartbeat seconds',
          content: { 'text/event-stream': { schema: { $ref: '#/components/schemas/PresenceEvent' } } },
        },
        ...errors,
      }, { parameters: [{ name: 'domain', in: 'query', schema: { type: 'string' }, description: 'only this domain ("" or absent = all, as ADMSUB)' }] }),
    },
    '/api/v1/introspect': {
      post: op('is this resume token live now (RFC 7662)', ok('Introspection', 'active, or {"active": false}'), {
        requestBody: {
          required: true,
          content: { ...json('IntrospectRequest'), 'application/x-www-form-urlencoded': { schema: { $ref: '#/components/schemas/IntrospectRequest' } } },
        },
      }),
    },
    '/api/v1/token': { post: op('issue a single-use login token (ADMTOKEN)', ok('IssuedToken', 'issued'), { requestBody: body('TokenRequest') }) },
    '/api/v1/token-stats': { get: op('live and stored resume and login tokens', ok('TokenStats', 'the counts')) },
    '/api/v1/cleanup-tokens': {
      post: op('remove expired resume and login tokens now (bounded per call; call again while totalTokenCount > activeTokenCount)', ok('TokenCleanup', 'removed'), {
        requestBody: { required: false, content: json('Empty') },
      }),
    },
    ...mePaths,
    ...dashboardPaths,
    '/openapi.json': { get: { summary: 'this document', responses: { '200': { description: 'OpenAPI 3.1', content: { 'application/json': {} } } } } },
  },
  components: {
    schemas: { ...schemas, ...dashboardSchemas },
    securitySchemes: {
      apiKey: { type: 'http', scheme: 'bearer', description: 'a key of api_keys in tim.json' },
      resumeToken: { type: 'http', scheme: 'bearer', description: "the client's resume token (the AUTH ACK's token); client listener only" },
      operatorCookie: operatorCookieScheme,
    },
  },
} as const;
