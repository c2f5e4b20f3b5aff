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
export type CloseCode = (typeof CloseCode)[keyof typeof CloseCode];

/** Close reason text sent with each close code (short: a close reason is at most 123 bytes). */
export const closeReason: Readonly<Record<CloseCode, string>> = {
  1001: 'gateway shutting down',
  1008: 'permission denied',
  1009: 'frame too large',
  4001: 'kicked',
  4002: 'logged out',
  4003: 'auth timeout',
  4004: 'heartbeat lost',
  4005: 'too many bad frames',
  4006: 'slow consumer',
};

/** An error as data: a wire code and the text to send with it. */
export interface TimFailure {
  readonly code: ErrorCode;
  readonly info: string;
}

/** Builds a failure with the default text of its code, or a more specific one. */
export function failure(code: ErrorCode, info: string = errorInfo[code]): TimFailure {
  return { code, info };
}
