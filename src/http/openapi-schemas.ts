/**
 * JSON Schemas (2020-12, as OpenAPI 3.1 uses them) of the HTTP API's bodies,
 * referenced from src/http/openapi.ts as #/components/schemas/NAME. Tests
 * validate every answer they receive against them.
 */

const str = { type: 'string' } as const;
const int = { type: 'integer' } as const;
const strings = { type: 'array', items: str } as const;
const stringMap = { type: 'object', additionalProperties: str } as const;
const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` }) as const;

/** An object schema whose listed properties are all required and no others allowed. */
const closed = (properties: Record<string, unknown>, optional: readonly string[] = []) => ({
  type: 'object',
  properties,
  required: Object.keys(properties).filter((k) => !optional.includes(k)),
  additionalProperties: false,
});

/** The schemas of the document. */
export const schemas = {
  Error: closed({ error: closed({ code: { ...int, description: 'error code of PROTOCOL.md section 7' }, info: str }) }),
  Health: closed({
    status: { enum: ['ok', 'degraded'] },
    gateway: str,
    mode: { enum: ['embedded', 'cluster'] },
    store: { enum: ['ok', 'unreachable'], description: 'cluster mode: unreachable once Redis has not renewed the lease for half its TTL (status degraded, 503)' },
    connections: int,
    sessions: int,
    uptimeSeconds: int,
  }),
  TimSession: closed(
    { ssid: str, resource: str, termtyp: int, loginTime: { ...int, description: 'ms since epoch' }, refreshTime: int, ip: str, gateway: str, extend: stringMap },
    ['extend'],
  ),
  Stats: closed({
    sessions: { ...int, description: 'sessions in the cluster' },
    accounts: { ...int, description: 'accounts with a session' },
    connections: { ...int, description: 'client sockets open on this node' },
    gateways: { ...int, description: 'live gateway nodes' },
    tokens: { ...int, description: 'live login and resume tokens' },
    perDomain: { type: 'object', additionalProperties: int },
  }),
  Online: closed({ accounts: { type: 'array', items: closed({ domain: str, name: str, sessions: { type: 'array', items: ref('TimSession') } }) } }),
  NoticeRequest: closed(
    { domain: str, names: strings, ssids: strings, odType: { enum: [1, 2], description: '1 INFO, 2 LOGOUT_REQUEST' }, dataString: str, extend: stringMap },
    ['domain', 'names', 'ssids', 'dataString', 'extend'],
  ),
  Reached: closed({ reached: { ...int, description: 'sessions the notice reached' } }),
  KickRequest: closed(
    { domain: str, names: strings, ssids: strings, reason: { ...str, description: 'shown to the device (KICKED extend "message")' }, blockSeconds: int },
    ['domain', 'names', 'ssids', 'reason', 'blockSeconds'],
  ),
  Kicked: closed({ kicked: { ...int, description: 'sessions logged out' } }),
  TokenRequest: closed({ domain: str, name: str, ttlSeconds: { ...int, description: '0 = token_timeout' }, extend: stringMap }, ['domain', 'ttlSeconds', 'extend']),
  IssuedToken: closed({ token: { ...str, description: 'single-use login token' }, expires: { ...int, description: 'ms since epoch' } }),
  PresenceEvent: closed({
    kind: { enum: ['online', 'offline', 'kicked', 'rejected'] },
    domain: str,
    name: str,
    ssid: str,
    resource: str,
    termtyp: int,
    ip: str,
    time: { ...int, description: 'ms since epoch' },
    reason: str,
  }),
  TokenStats: closed({
    activeTokenCount: { ...int, description: 'live resume and login tokens (ADMSTATS tokens)' },
    totalTokenCount: { ...int, description: 'tokens stored: live, or expired and not removed yet' },
  }),
  TokenCleanup: closed({ removed: { ...int, description: 'expired tokens this call removed' }, timestamp: { ...int, description: 'when it ran, ms since epoch' } }),
  Empty: closed({}),
  MeSessions: closed({
    self: { ...ref('TimSession'), description: "the token's session (gateway \"\" when it holds no socket now)" },
    online: { type: 'array', items: ref('TimSession'), description: "the account's other sessions, cluster-wide" },
  }),
  LogoutOthersRequest: closed({ ssids: { ...strings, description: 'own ssids to log out (at most max_kick)' } }, ['ssids']),
  LoggedOut: closed({ loggedOut: { ...int, description: 'sessions logged out' } }),
  IntrospectRequest: closed(
    { token: { ...str, description: 'a resume token' }, token_type_hint: { ...str, description: 'RFC 7662; ignored' }, domain: { ...str, description: 'when given, a token of another domain is inactive' } },
    ['token_type_hint', 'domain'],
  ),
  Introspection: {
    oneOf: [
      closed({
        active: { const: true },
        domain: str,
        name: str,
        ssid: str,
        termtyp: int,
        resource: str,
        gateway: { ...str, description: 'node holding its socket; "" when offline' },
        online: { type: 'boolean', description: 'its session holds a socket now' },
        iat: { ...int, description: 'issued, seconds since epoch' },
        exp: { ...int, description: 'expires, seconds since epoch' },
      }),
      closed({ active: { const: false } }),
    ],
  },
} as const;
