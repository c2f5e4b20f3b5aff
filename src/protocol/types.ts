/**
 * TypeScript shapes of the messages in proto/tim.proto (test/protocol-schema.test.ts
 * checks them against it). Decoded messages are plain objects of these shapes;
 * int64 fields are numbers (ms timestamps and counts fit in 2^53).
 */

/** The empty payload (PING, LOGOUT, SESSIONS request, ADMPING, ADMSTATS request). */
export type Empty = Record<string, never>;

export interface TimAuth {
  name: string;
  pwd: string;
  domain: string;
  resource: string;
  termtyp: number;
  token: string;
  extend: Record<string, string>;
  kick: string[];
}

export interface TimError {
  code: number;
  info: string;
}

export interface TimSession {
  ssid: string;
  resource: string;
  termtyp: number;
  loginTime: number;
  refreshTime: number;
  ip: string;
  gateway: string;
  /** Extension (field 8): the extend fields kept on the session. */
  extend?: Record<string, string>;
}

export interface TimAck {
  ok: boolean;
  timType: number;
  error?: TimError | null;
  t?: number;
  n?: string;
  t2?: number;
  n2?: string;
  token?: string;
  sessions?: TimSession[];
}

export interface TimSessions {
  self: TimSession | null;
  online: TimSession[];
}

export interface TimKick {
  ssid: string[];
}

export interface TimMessage {
  msType: number;
  odType: number;
  id: number;
  dataString: string;
  timestamp: number;
  extend: Record<string, string>;
}

export interface AdmAuth {
  name: string;
  pwd: string;
}

export interface AdmSub {
  domain: string;
}

export interface AdmNotice {
  domain: string;
  names: string[];
  ssids: string[];
  odType: number;
  dataString: string;
  extend: Record<string, string>;
}

export interface AdmKick {
  domain: string;
  names: string[];
  ssids: string[];
  reason: string;
  blockSeconds: number;
}

export interface AdmOnline {
  domain: string;
  names: string[];
}

export interface AdmAccount {
  domain: string;
  name: string;
  sessions: TimSession[];
}

export interface AdmOnlineReply {
  accounts: AdmAccount[];
}

export interface AdmStats {
  sessions: number;
  accounts: number;
  connections: number;
  gateways: number;
  perDomain: Record<string, number>;
  tokens: number;
}

export interface AdmToken {
  domain: string;
  name: string;
  ttlSeconds: number;
  extend: Record<string, string>;
}

export interface AdmAck {
  ok: boolean;
  admType: number;
  error?: TimError | null;
  t?: number;
  n?: string;
  t2?: number;
  n2?: string;
}

export interface AdmEvent {
  kind: number;
  domain: string;
  name: string;
  ssid: string;
  resource: string;
  termtyp: number;
  time: number;
  reason: string;
  /** Extension (field 9): the device's address (absent from older nodes). */
  ip?: string;
}

/** Each message of proto/tim.proto by name: the payload type a type code names in type-codes.ts. */
export interface Messages {
  Empty: Empty;
  TimAuth: TimAuth;
  TimError: TimError;
  TimSession: TimSession;
  TimAck: TimAck;
  TimSessions: TimSessions;
  TimKick: TimKick;
  TimMessage: TimMessage;
  AdmAuth: AdmAuth;
  AdmSub: AdmSub;
  AdmNotice: AdmNotice;
  AdmKick: AdmKick;
  AdmOnline: AdmOnline;
  AdmAccount: AdmAccount;
  AdmOnlineReply: AdmOnlineReply;
  AdmStats: AdmStats;
  AdmToken: AdmToken;
  AdmAck: AdmAck;
  AdmEvent: AdmEvent;
}

/** Notice kinds (TimMessage.odType, PROTOCOL.md section 5). */
export const NoticeKind = { INFO: 1, LOGOUT_REQUEST: 2, KICKED: 3 } as const;

/** AdmEvent.kind values. */
export const EventKind = { ONLINE: 1, OFFLINE: 2, KICKED: 3, REJECTED: 4 } as const;
