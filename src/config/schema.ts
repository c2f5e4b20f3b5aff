/**
 * Validation of tim.json: one rule per key. A rule returns null when the value
 * is fine, or a sentence saying what the key must be.
 */
import { parseHash } from '../auth/password-hash.js';
import { defaults } from './defaults.js';
import { identityRules } from './identity-rules.js';
import { redisUrlProblem } from './redis-url.js';

type Rule = (value: unknown) => string | null;

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

const int = (min: number, max: number): Rule => (v) =>
  Number.isInteger(v) && (v as number) >= min && (v as number) <= max ? null : `must be an integer from ${min} to ${max}`;
const num = (min: number, max: number): Rule => (v) =>
  typeof v === 'number' && Number.isFinite(v) && v >= min && v <= max ? null : `must be a number from ${min} to ${max}`;
const bool: Rule = (v) => (typeof v === 'boolean' ? null : 'must be true or false');
const nonEmpty: Rule = (v) => (typeof v === 'string' && v.length > 0 ? null : 'must be a non-empty string');
const oneOf = (...allowed: string[]): Rule => (v) =>
  typeof v === 'string' && allowed.includes(v) ? null : `must be one of ${allowed.map((a) => JSON.stringify(a)).join(', ')}`;

/** "host:port", "[v6]:port" or ":port" (all interfaces). */
const listen: Rule = (v) => {
  if (typeof v !== 'string') return 'must be a "host:port" string';
  return parseListen(v) ? null : 'must be "host:port" (host may be empty, port 0..65535)';
};

/** Splits a listen address into host ('' = all interfaces) and port, or null when malformed. */
export function parseListen(addr: string): { host: string; port: number } | null {
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([^:[\]]*)):(\d{1,5})$/.exec(addr);
  if (!m) return null;
  const port = Number(m[3]);
  if (port > 65535) return null;
  return { host: m[1] ?? m[2] ?? '', port };
}

/**
 * `table[key]` when the table has that key itself: a key of tim.json named
 * like an Object.prototype member (isPrototypeOf, constructor, __proto__) is
 * in no table.
 */
function own<T>(table: Readonly<Record<string, T>>, key: string): T | undefined {
  return Object.hasOwn(table, key) ? table[key] : undefined;
}

/** Checks an object against per-key rules; returns [key path, problem] of the first problem. */
function checkObject(obj: Record<string, unknown>, rules: Record<string, Rule>, path: string): [string, string] | null {
  for (const [k, v] of Object.entries(obj)) {
    const rule = own(rules, k);
    const keyPath = path ? `${path}.${k}` : k;
    if (!rule) return [keyPath, 'is not a known key'];
    const problem = rule(v);
    if (problem) return [keyPath, problem];
  }
  return null;
}

const rateLimit: Rule = (v) => {
  if (!isObject(v)) return 'must be an object {"per_second", "burst"}';
  const bad = checkObject(v, { per_second: num(0.001, 1e6), burst: int(1, 1e6) }, '');
  if (bad) return `${bad[0]} ${bad[1]}`;
  return 'per_second' in v && 'burst' in v ? null : 'must set both "per_second" and "burst"';
};

/** `password_checks`: all three bounds. */
const concurrencyLimits: Rule = (v) => {
  if (!isObject(v)) return 'must be an object {"concurrent", "queued", "per_ip"}';
  const bad = checkObject(v, { concurrent: int(1, 10_000), queued: int(0, 1_000_000), per_ip: int(1, 1_000_000) }, '');
  if (bad) return `${bad[0]} ${bad[1]}`;
  return 'concurrent' in v && 'queued' in v && 'per_ip' in v ? null : 'must set "concurrent", "queued" and "per_ip"';
};

const domainRules: Record<string, Rule> = {
  device_limit: int(1, 10000),
  devicetype_limit: int(1, 10000),
  overentry: oneOf('reject', 'kick'),
  auth_min_unix: num(0, 86400),
};

const accountList = (fields: string[]): Rule => (v) => {
  if (!Array.isArray(v)) return `must be an array of {${fields.join(', ')}}`;
  for (const [i, item] of v.entries()) {
    if (!isObject(item)) return `[${i}] must be an object`;
    for (const f of fields) if (typeof item[f] !== 'string') return `[${i}].${f} must be a string`;
    for (const k of Object.keys(item)) if (!fields.includes(k)) return `[${i}].${k} is not a known key`;
  }
  return null;
};

/** A Redis address: "host:port" with a host, and a port other than 0 (which means any free port to a listener). */
const isRedisAddress = (a: unknown): boolean => {
  const hp = typeof a === 'string' ? parseListen(a) : null;
  return hp !== null && hp.host !== '' && hp.port > 0;
};

const hostPorts: Rule = (v) =>
  Array.isArray(v) && v.length > 0 && v.every(isRedisAddress)
    ? null
    : 'must be a non-empty array of "host:port" strings (port 1 to 65535)';

/** `redis`: exactly one of url, cluster, sentinels (+ name); see README "Cluster mode". */
const redisRule: Rule = (v) => {
  if (!isObject(v)) return 'must be an object like {"url": "redis://127.0.0.1:6379"}';
  const bad = checkObject(v, {
    url: redisUrlProblem,
    cluster: hostPorts,
    sentinels: hostPorts,
    name: nonEmpty,
    password: nonEmpty,
    prefix: (p) => (typeof p === 'string' && !/[{}]/.test(p) ? null : 'must be a string without { or }'),
    lease_ttl: num(1, 3600),
    command_timeout: num(0.05, 60),
    reconcile_interval: num(1, 86400),
    write_concurrency: int(1, 100_000),
    write_queue: int(0, 10_000_000),
  }, '');
  if (bad) return `${bad[0]} ${bad[1]}`;
  const set = ['url', 'cluster', 'sentinels'].filter((k) => k in v);
  if (set.length !== 1) return `must set exactly one of "url", "cluster", "sentinels" (${set.length ? `found ${set.join(', ')}` : 'found none'})`;
  if (('name' in v) !== ('sentinels' in v)) return '"name" (the Sentinel master name) goes with "sentinels", and only with it';
  if ('password' in v && 'url' in v) return '"password" is for cluster and sentinels; put it in the url';
  return null;
};

/** The rule of every top-level key of tim.json. */
export const rules: Record<keyof typeof defaults, Rule> = {
  client_listen: listen,
  admin_listen: listen,
  device_limit: domainRules.device_limit!,
  devicetype_limit: domainRules.devicetype_limit!,
  overentry: domainRules.overentry!,
  auth_min_unix: domainRules.auth_min_unix!,
  domains: (v) => {
    if (!isObject(v)) return 'must be an object of domain name to overrides';
    for (const [d, o] of Object.entries(v)) {
      if (!isObject(o)) return `["${d}"] must be an object`;
      const bad = aliasClash(o) ?? checkObject(normalizeAliases(o), domainRules, '');
      if (bad) return `["${d}"].${bad[0]} ${bad[1]}`;
    }
    return null;
  },
  users: nonEmpty,
  admins: (v) => {
    const shape = accountList(['name', 'pwd'])(v);
    if (shape) return shape;
    const bad = (v as { pwd: string }[]).findIndex((a) => parseHash(a.pwd) === null);
    return bad < 0 ? null : `[${bad}].pwd is not a password hash (make one with tim-gateway hash-password)`;
  },
  sse_heartbeat: num(0.01, 3600),
  api_keys: (v) => {
    const shape = accountList(['name', 'key'])(v);
    if (shape) return shape;
    const names = new Set<string>();
    for (const [i, k] of (v as { name: string; key: string }[]).entries()) {
      if (k.name === '' || names.has(k.name)) return `[${i}].name must be a non-empty name used once`;
      if (!/^sha256:[0-9a-fA-F]{64}$/.test(k.key)) return `[${i}].key must be "sha256:" and 64 hex digits (the SHA-256 of the key; tim-gateway api-key prints one)`;
      names.add(k.name);
    }
    return null;
  },
  redis: redisRule,
  gateway_id: (v) => (typeof v === 'string' && /^[A-Za-z0-9._-]{0,64}$/.test(v) ? null : 'must be up to 64 of A-Z a-z 0-9 . _ -'),
  auth_timeout: num(0.01, 3600),
  max_frame: int(64, 16 * 1024 * 1024),
  max_bad_frames: int(1, 1000),
  resume_timeout: num(1, 365 * 86400),
  heartbeat_interval: num(0.01, 3600),
  token_timeout: num(1, 86400),
  max_field_bytes: int(16, 65536),
  max_extend_entries: int(0, 1024),
  max_extend_bytes: int(0, 1024 * 1024),
  max_kick: int(0, 10000),
  connect_limit: int(1, 10_000_000),
  unauth_per_ip: int(1, 10_000_000),
  admin_unauth_per_ip: int(1, 1024),
  header_timeout: num(0.05, 3600),
  pending_per_ip: int(1, 1_000_000),
  login_rate_ip: rateLimit,
  login_rate_account: rateLimit,
  refusal_events_ip: rateLimit,
  admin_auth_failures: rateLimit,
  password_checks: concurrencyLimits,
  dashboard_session_ttl: num(10, 86400),
  max_admin_targets: int(1, 1_000_000),
  max_notice_bytes: int(0, 1024 * 1024),
  max_buffered: int(1024, 1024 * 1024 * 1024),
  origins: (v) => (Array.isArray(v) && v.every((o) => typeof o === 'string') ? null : 'must be an array of origin strings'),
  ssl_certificate: nonEmpty,
  ssl_certificate_key: nonEmpty,
  admin_tls: bool,
  demo: bool,
  shutdown_timeout: num(0.1, 3600),
  log_level: oneOf('fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'),
  log_pretty: bool,
  log_summary_interval: num(0, 86400),
  ...identityRules,
};

/** Tim's dotted spellings accepted as aliases. */
export const aliases: Readonly<Record<string, string>> = {
  'device.limit': 'device_limit',
  'devicetype.limit': 'devicetype_limit',
};

/** The canonical name of a key of tim.json (itself unless it is an alias). */
const canonicalKey = (k: string): string => own(aliases, k) ?? k;

/**
 * The first key of `obj` that spells a key an earlier one already set (an
 * alias and its canonical name, in either order), as [key, problem] naming
 * both as written; null when there is none.
 */
export function aliasClash(obj: Record<string, unknown>): [string, string] | null {
  const written = new Map<string, string>();
  for (const k of Object.keys(obj)) {
    const canonical = canonicalKey(k);
    const first = written.get(canonical);
    if (first !== undefined) return [k, `clashes with "${first}": set only one`];
    written.set(canonical, k);
  }
  return null;
}

/**
 * Replaces alias keys by their canonical names (for an object without an
 * aliasClash). Every key of `obj` stays an own key of the result, "__proto__"
 * (which JSON.parse makes an own key) included.
 */
export function normalizeAliases(obj: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(obj).map(([k, v]) => [canonicalKey(k), v]));
}

/** Checks a whole tim.json object (aliases already normalized); returns [key, problem] or null. */
export function validate(obj: Record<string, unknown>): [string, string] | null {
  const bad = checkObject(obj, rules, '');
  if (bad) return bad;
  const cert = 'ssl_certificate' in obj;
  const key = 'ssl_certificate_key' in obj;
  if (cert !== key) return [cert ? 'ssl_certificate_key' : 'ssl_certificate', 'must be set together with its pair'];
  if (obj.admin_tls === true && !cert) return ['admin_tls', 'needs ssl_certificate and ssl_certificate_key'];
  return sharedPort(String(obj.client_listen ?? defaults.client_listen), String(obj.admin_listen ?? defaults.admin_listen));
}

const wildcard = (host: string): boolean => host === '' || host === '0.0.0.0' || host === '::';

/** The two listeners cannot share a port (0 = any free port excepted) unless they are on two distinct explicit hosts. */
function sharedPort(client: string, admin: string): [string, string] | null {
  const c = parseListen(client);
  const a = parseListen(admin);
  if (!c || !a || c.port === 0 || c.port !== a.port) return null;
  if (c.host !== a.host && !wildcard(c.host) && !wildcard(a.host)) return null;
  return ['admin_listen', `must not use the port of client_listen (${client})`];
}
