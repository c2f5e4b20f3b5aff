/**
 * The one table of codes the gateway speaks: Tim's error codes (sent in
 * TimError/AdmAck) and the WebSocket close codes. test/errors.test.ts keeps this
 * file and docs/PROTOCOL.md sections 6 and 7 in step.
 */

/** Error codes sent in `TimError.code` (PROTOCOL.md section 7). */
export const ErrorCode = {
  PARAMETER_INCORRECT: 4104,
  PERMISSION_DENIED: 4105,
  NOT_EXIST: 4109,
  BLOCKED: 4110,
  OVER_ENTRY: 4111,
  FORMAT: 4113,
  BIG_DATA: 4114,
  ERROR_TOKEN: 4115,
  UNDEFINED: 5101,
  HEAVY_LOAD: 5104,
  FREQ_LIMIT: 5105,
} as const;
/** One of the error codes. */
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

/** Default `TimError.info` text of each error code (Tim's wording). */
export const errorInfo: Readonly<Record<ErrorCode, string>> = {
  4104: 'parameter incorrect',
  4105: 'permission denied',
  4109: 'must not be a no exist object',
  4110: 'blocked object',
  4111: 'over entry',
  4113: 'format error',
  4114: 'big data error',
  4115: 'error token',
  5101: 'undefined error',
  5104: 'heavy server load',
  5105: 'freq out of limit',
};

/** WebSocket close codes the gateway uses (PROTOCOL.md section 6). */
export const CloseCode = {
  SHUTDOWN: 1001,
  /** Extension: admin socket refused (first frame not a valid ADMAUTH, or throttled); AdmAck 4105/5105 comes first. */
  POLICY: 1008,
  TOO_BIG: 1009,
  KICKED: 4001,
  LOGGED_OUT: 4002,
  AUTH_TIMEOUT: 4003,
  HEARTBEAT_LOST: 4004,
  BAD_FRAMES: 4005,
  /** Extension: the socket's send buffer passed `max_buffered` (slow consumer). */
  SLOW_CONSUMER: 4006,
} as const;
/** One of the close codes. */
export type CloseCode = (typeof CloseCode)[keyof typeof CloseCode];

/** What a client should do after a close: resume its session with the resume token, log in afresh, or stay away. */
export type Reconnect = 'resume' | 'login' | 'never';

/** One close code: the reason text sent with it, what a client should do, and the OFFLINE event reason of the session it ends. */
export interface CloseTerms {
  /** Close reason text (short: a close reason is at most 123 bytes). */
  readonly reason: string;
  /** PROTOCOL.md section 6 "client should". */
  readonly reconnect: Reconnect;
  /** AdmEvent.reason of the OFFLINE event when the close ends a session. */
  readonly event: string;
}

/** Every close code the gateway sends (metrics label closes by the code itself). */
export const closeCodes: Readonly<Record<CloseCode, CloseTerms>> = {
  1001: { reason: 'gateway shutting down', reconnect: 'resume', event: 'shutdown' },
  1008: { reason: 'permission denied', reconnect: 'never', event: 'closed' },
  1009: { reason: 'frame too large', reconnect: 'never', event: 'too_big' },
  4001: { reason: 'kicked', reconnect: 'never', event: 'kicked' },
  4002: { reason: 'logged out', reconnect: 'never', event: 'logout' },
  4003: { reason: 'auth timeout', reconnect: 'login', event: 'closed' },
  4004: { reason: 'heartbeat lost', reconnect: 'resume', event: 'heartbeat' },
  4005: { reason: 'too many bad frames', reconnect: 'never', event: 'closed' },
  4006: { reason: 'slow consumer', reconnect: 'resume', event: 'closed' },
};

/**
 * What a client should do after a close code it received, also for codes the
 * gateway never sends: 1006 (the connection dropped without a close frame) and
 * anything unknown are resumed; a normal close (1000) is the client's own.
 */
export function reconnectAfter(code: number): Reconnect {
  if (code === 1000) return 'never';
  return (closeCodes as Readonly<Record<number, CloseTerms | undefined>>)[code]?.reconnect ?? 'resume';
}

/** Why a session was logged out by the gateway: KICKED notice `reason`, AdmEvent reason, tim_kicks_total label. */
export const KickReason = {
  /** A newer login of the account took its place (overentry "kick"). */
  NEW_LOGIN: 'new_login',
  /** Logged out by the account itself (KICK, AUTH `kick`, or a LOGOUT of a socket that resumed it). */
  SESSION: 'session',
  /** An operator's ADMKICK. */
  ADMIN: 'admin',
  /** The table no longer lists it for this socket (a kick or logout whose delivery was lost). */
  REVOKED: 'revoked',
  /** Extension: another socket resumed the same ssid. */
  RESUMED: 'resumed',
  /** Extension: it lost its place in the table while its node was away from the cluster. */
  DISPLACED: 'displaced',
} as const;
/** One of the kick reasons. */
export type KickReason = (typeof KickReason)[keyof typeof KickReason];

/** The KICKED notice text (dataString) of each kick reason. Every kick closes with 4001: the client must not reconnect. */
export const kickText: Readonly<Record<KickReason, string>> = {
  new_login: 'you have been logged out (new_login): your account logged in on another device',
  session: 'you have been logged out (session): by another device of your account',
  admin: 'you have been logged out (admin): by an operator',
  revoked: 'you have been logged out (revoked): this session is no longer valid',
  resumed: 'you have been logged out (resumed): this session continues on a new connection',
  displaced: 'you have been logged out (displaced): this session was taken over while the gateway was away',
};

/** True for a known kick reason (the bus checks what it receives). */
export function isKickReason(v: unknown): v is KickReason {
  return typeof v === 'string' && Object.hasOwn(kickText, v);
}

/** An error as data: a wire code and the text to send with it. */
export interface TimFailure {
  readonly code: ErrorCode;
  readonly info: string;
}

/** Builds a failure with the default text of its code, or a more specific one. */
export function failure(code: ErrorCode, info: string = errorInfo[code]): TimFailure {
  return { code, info };
}
