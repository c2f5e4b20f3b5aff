/**
 * The one defaults object: every tim.json key the gateway knows, with its
 * default. tim.json is merged over it, validated (src/config/schema.ts) and
 * frozen (src/config/load.ts). Times are in seconds (fractions allowed), sizes
 * in bytes.
 */
import type { JwtOptions, WebhookOptions } from './identity-options.js';

/** Every tim.json key with its default value. */
export const defaults = {
  /** Client socket address, "host:port"; an empty host listens on all interfaces. */
  client_listen: ':20003',
  /** Admin socket, /healthz and /metrics address; loopback unless configured. */
  admin_listen: '127.0.0.1:20002',
  /** Sessions per account in total (Tim's `device.limit`). */
  device_limit: 1,
  /** Sessions per account per termtyp; termtyp 0 is not counted per type (Tim's `devicetype.limit`). */
  devicetype_limit: 1,
  /** What an over-entry login does: "reject" (4111, Tim's behaviour) or "kick" (last login wins). */
  overentry: 'reject' as 'reject' | 'kick',
  /** Seconds: a session younger than this is never kicked by a new login. */
  auth_min_unix: 10,
  /** Per-domain overrides of device_limit, devicetype_limit, overentry, auth_min_unix. */
  domains: {} as Record<string, DomainOverrides>,
  /** Users file of the built-in authenticator, relative to tim.json: [{domain, name, pwd}] with pwd a hash. */
  users: 'users.json',
  /** Operator accounts of the admin socket: [{name, pwd}] with pwd a hash. */
  admins: [] as AdminAccount[],
  /** Seconds between heartbeat comments on HTTP event streams (GET /api/v1/events). */
  sse_heartbeat: 15,
  /** Keys of the HTTP API (PROTOCOL.md section 13): [{name, key: "sha256:HEX"}], the SHA-256 of each key (`tim-gateway api-key`). */
  api_keys: [] as ApiKey[],
  /** Present = cluster mode on Redis; absent = embedded in-memory table. */
  redis: undefined as RedisOptions | undefined,
  /** Id of this gateway node in session records; empty = hostname-pid-random. */
  gateway_id: '',
  /** Seconds an unauthenticated socket may stay open (close 4003). */
  auth_timeout: 10,
  /** Largest frame in bytes; larger closes with 1009. */
  max_frame: 65536,
  /** Bad frames (undecodable, unknown type, before AUTH) before close 4005. */
  max_bad_frames: 5,
  /** Seconds a resume token lives. */
  resume_timeout: 86400,
  /** Seconds between server pings; two missed pongs close with 4004. */
  heartbeat_interval: 30,
  /** Default seconds an admin-issued login token lives (ADMTOKEN ttlSeconds 0). */
  token_timeout: 60,
  /** Longest name, domain, resource, pwd, token and ssid, in bytes (4104 beyond). */
  max_field_bytes: 128,
  /** Most entries in an AUTH `extend` map, and their total bytes. */
  max_extend_entries: 16,
  max_extend_bytes: 4096,
  /** Most ssids in one AUTH `kick` or KICK list. */
  max_kick: 32,
  /** Open client sockets per node; beyond, the WebSocket upgrade is refused with HTTP 503. */
  connect_limit: 100000,
  /** Unauthenticated client sockets per IP; beyond, upgrades from that IP are refused with HTTP 429. */
  unauth_per_ip: 256,
  /** Admin sockets per IP that have not passed ADMAUTH; beyond, upgrades from that IP are refused with HTTP 429. They never take the places of authenticated admin sockets. */
  admin_unauth_per_ip: 16,
  /** Seconds a new connection (either listener) has to send its first HTTP request, TLS handshake included; then it is closed. */
  header_timeout: 5,
  /** Connections per IP (each listener) that have not sent their first HTTP request yet; beyond, new ones are closed at once. */
  pending_per_ip: 256,
  /** Login attempts per IP: a token bucket of `burst` refilled at `per_second`; over it 5105. */
  login_rate_ip: { per_second: 50, burst: 100 } as RateLimit,
  /** REJECTED presence events per IP: a token bucket; refusals beyond it are answered as usual but publish no event (counted in tim_rejected_events_dropped_total). */
  refusal_events_ip: { per_second: 5, burst: 20 } as RateLimit,
  /** Failed password logins per account (domain+name); while its bucket is empty, password logins of the account answer 5105 (token logins are not limited by it). */
  login_rate_account: { per_second: 5, burst: 20 } as RateLimit,
  /** Password checks (users file) per node: `concurrent` run at once, `queued` wait (served round-robin by address), one IP holds at most `per_ip` of both; beyond, 5105 at once. A waiting check whose socket closed is dropped. */
  password_checks: { concurrent: 4, queued: 128, per_ip: 16 } as ConcurrencyLimits,
  /** Failed ADMAUTH attempts per IP: a token bucket; once empty, ADMAUTH from that IP answers 5105 until it refills. */
  admin_auth_failures: { per_second: 0.2, burst: 5 } as RateLimit,
  /** Seconds a dashboard sign-in session lives without a request (it ends after 8 hours in any case). */
  dashboard_session_ttl: 900,
  /** Most names plus ssids in one ADMNOTICE, ADMKICK or ADMONLINE (4104 beyond). */
  max_admin_targets: 1000,
  /** Longest ADMNOTICE dataString, in bytes (4104 beyond). */
  max_notice_bytes: 4096,
  /** Bytes a socket may have queued for sending before it is dropped as a slow consumer (close 4006). */
  max_buffered: 1048576,
  /** Allowed Origin headers for browser clients (HTTP 403 otherwise); absent = any origin. A request without Origin (a native client) is not checked. */
  origins: undefined as string[] | undefined,
  /** PEM certificate and key files (relative to tim.json): serve wss on the client listener. */
  ssl_certificate: undefined as string | undefined,
  ssl_certificate_key: undefined as string | undefined,
  /** Serve the admin listener over TLS too (https/wss) with the same certificate. */
  admin_tls: false,
  /** Serve the demo web app (examples/web, `tim-gateway demo`) at / of the client listener, next to /tim; for trying the gateway, off by default. */
  demo: false,
  /** Seconds a graceful shutdown may take before the process exits anyway. */
  shutdown_timeout: 10,
  /** The user service asked for credentials (PROTOCOL.md section 11); when set, the users file is not consulted. */
  auth_url: undefined as string | undefined,
  /** HMAC key of X-Tim-Signature on auth_url calls; absent = unsigned. */
  auth_secret: undefined as string | undefined,
  /** Seconds before an auth_url call counts as failed (5104). */
  auth_url_timeout: 3,
  /** auth_url calls in flight per node; beyond, logins answer 5105 at once. */
  auth_url_concurrency: 256,
  /** JWT verification of AUTH tokens (section 11). */
  jwt: undefined as JwtOptions | undefined,
  /** Presence event hooks (section 12). */
  webhooks: [] as WebhookOptions[],
  /** Undelivered events kept per hook and node; beyond, the oldest are dropped and counted. */
  webhook_queue: 10000,
  /** Seconds a webhook POST may take before it counts as failed and is retried. */
  webhook_timeout: 5,
  /** pino level: fatal, error, warn, info, debug, trace, silent. */
  log_level: 'info' as LogLevel,
  /** Human-readable logs (pino-pretty) instead of JSON lines. */
  log_pretty: false,
  /** Seconds between the info-level traffic summary lines (logins, kicks, sockets), logged only when there was traffic; 0 = never. */
  log_summary_interval: 10,
};

/** Per-domain limits and policy, each falling back to the global key. */
export interface DomainOverrides {
  device_limit?: number;
  devicetype_limit?: number;
  overentry?: 'reject' | 'kick';
  auth_min_unix?: number;
}

/** An operator account of the admin socket. */
export interface AdminAccount {
  name: string;
  pwd: string;
}

/** An HTTP API key: its name (in logs) and the SHA-256 of the key, "sha256:HEX". */
export interface ApiKey {
  name: string;
  key: string;
}

/** Cluster mode: where Redis is and how nodes lease their liveness. */
export interface RedisOptions {
  /** redis:// URL of one Redis (set exactly one of url, cluster, sentinels). */
  url?: string;
  /** Redis Cluster: "host:port" seed nodes. */
  cluster?: string[];
  /** Sentinel: "host:port" of the sentinels, with `name`. */
  sentinels?: string[];
  /** Sentinel: the monitored master's name. */
  name?: string;
  /** Password of the Redis nodes (cluster and sentinels modes; url carries its own). */
  password?: string;
  /** Key prefix; default "tim:". */
  prefix?: string;
  /** Seconds a node's lease lives without refresh; its sessions are reaped after. Default 15. */
  lease_ttl?: number;
  /** Seconds a Redis command (or connect) may take before it fails (a login then answers 5104). Default 2. */
  command_timeout?: number;
  /** Seconds between the starts of two passes of the background reconciliation. Default 60. */
  reconcile_interval?: number;
  /** Logins and closes one node has in flight on Redis at once; more wait in the node, in order. Default 64. */
  write_concurrency?: number;
  /** Logins and closes waiting for one of those; beyond, a login answers 5104 at once. Default 20000. */
  write_queue?: number;
}

/** Defaults of the optional `redis` keys. */
export const redisDefaults = {
  prefix: 'tim:',
  lease_ttl: 15,
  command_timeout: 2,
  /** Seconds between the starts of two passes of the background reconciliation of counters and indexes. */
  reconcile_interval: 60,
  /**
   * A burst of logins or closes (a reconnect storm, a load balancer dropping
   * every socket) waits in the node rather than in Redis, where the tail of it
   * would pass command_timeout, fail (5104), be withdrawn and be retried.
   */
  write_concurrency: 64,
  write_queue: 20_000,
} as const;

/** A token bucket: `burst` tokens, refilled at `per_second`. */
export interface RateLimit {
  per_second: number;
  burst: number;
}

/** A bound on costly work: tasks running at once, tasks waiting, and both together per IP. */
export interface ConcurrencyLimits {
  concurrent: number;
  queued: number;
  per_ip: number;
}

/** A pino log level (tim.json log_level); silent logs nothing. */
export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

/** The validated, frozen configuration the gateway runs with. */
export type Config = Readonly<typeof defaults> & {
  /** Folder of tim.json: relative paths (users, certificates) resolve against it. */
  readonly baseDir: string;
  /** The file the config came from, for messages ("" when built in code). */
  readonly file: string;
};
