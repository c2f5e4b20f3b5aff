/**
 * The dashboard's endpoints in /openapi.json (extensions of section 13):
 * operator sign-in, the domain limits and the gateway nodes. Merged into the
 * document by src/http/openapi.ts.
 */

const str = { type: 'string' } as const;
const int = { type: 'integer' } as const;
const json = (name: string) => ({ 'application/json': { schema: { $ref: `#/components/schemas/${name}` } } });
const errors = { default: { description: 'an error (PROTOCOL.md section 13 statuses)', content: json('Error') } };
const ok = (name: string, description: string) => ({ '200': { description, content: json(name) }, ...errors });
/** An API key, or the cookie of a dashboard sign-in (with X-Tim-CSRF on any method but GET and HEAD). */
const keyOrCookie = [{ apiKey: [] }, { operatorCookie: [] }];

/** The schemas of the dashboard's answers. */
export const dashboardSchemas = {
  SignIn: {
    type: 'object',
    description: 'operator name and password; or an empty body with Authorization: Bearer KEY',
    properties: { name: str, pwd: str },
    additionalProperties: false,
  },
  OperatorSession: {
    type: 'object',
    properties: {
      operator: { ...str, description: 'operator name, or key:NAME for a session opened with an API key' },
      csrf: { ...str, description: 'send it in X-Tim-CSRF on every request but GET and HEAD' },
      expires: { ...int, description: 'ms since epoch: the session ends unless used before' },
    },
    required: ['operator', 'csrf', 'expires'],
    additionalProperties: false,
  },
  NoOperator: { type: 'object', properties: { operator: { type: 'null' } }, required: ['operator'], additionalProperties: false },
  SignedOut: { type: 'object', properties: { signedOut: { const: true } }, required: ['signedOut'], additionalProperties: false },
  DomainLimits: {
    type: 'object',
    properties: { domain: str, device_limit: int, devicetype_limit: int, overentry: { enum: ['reject', 'kick'] }, auth_min_unix: { type: 'number' } },
    required: ['domain', 'device_limit', 'devicetype_limit', 'overentry', 'auth_min_unix'],
    additionalProperties: false,
  },
  GatewayNodes: {
    type: 'object',
    properties: {
      mode: { enum: ['embedded', 'cluster'] },
      gateways: {
        type: 'array',
        items: {
          type: 'object',
          properties: { id: str, sessions: int, lease: { enum: ['live', 'expired', 'none'] }, expires: { ...int, description: 'ms since epoch; 0 without a lease' } },
          required: ['id', 'sessions', 'lease', 'expires'],
          additionalProperties: false,
        },
      },
    },
    required: ['mode', 'gateways'],
    additionalProperties: false,
  },
} as const;

/** The dashboard's paths. */
export const dashboardPaths = {
  '/api/v1/session': {
    post: { summary: 'dashboard sign-in: sets the session cookie', security: [], requestBody: { content: json('SignIn') }, responses: ok('OperatorSession', 'signed in') },
    get: {
      summary: 'the signed-in operator of the cookie and its CSRF token',
      security: [],
      responses: { '200': { description: 'a session, or operator null', content: { 'application/json': { schema: { oneOf: [{ $ref: '#/components/schemas/OperatorSession' }, { $ref: '#/components/schemas/NoOperator' }] } } } }, ...errors },
    },
    delete: { summary: 'sign out: the cookie is refused afterwards (X-Tim-CSRF required)', security: [{ operatorCookie: [] }], responses: ok('SignedOut', 'signed out') },
  },
  '/api/v1/limits': {
    get: {
      summary: "a domain's limits (its domains overrides over the global keys)",
      security: keyOrCookie,
      parameters: [{ name: 'domain', in: 'query', schema: str }],
      responses: ok('DomainLimits', 'the limits'),
    },
  },
  '/api/v1/gateways': { get: { summary: 'the gateway nodes, their sessions and lease', security: keyOrCookie, responses: ok('GatewayNodes', 'the nodes') } },
} as const;

/** The security scheme of the dashboard's cookie. */
export const operatorCookieScheme = {
  type: 'apiKey',
  in: 'cookie',
  name: 'tim_dashboard',
  description: 'a dashboard sign-in (POST /api/v1/session); requests other than GET and HEAD also need its token in X-Tim-CSRF',
} as const;
