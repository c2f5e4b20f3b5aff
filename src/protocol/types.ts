/**
 * TypeScript shapes of the messages in proto/tim.proto (test/protocol-schema.test.ts
 * checks them against it). Decoded messages are plain objects of these shapes;
 * int64 fields are numbers (ms timestamps and counts fit in 2^53).
 */

/** The empty payload (PING, LOGOUT, SESSIONS request, ADMPING, ADMSTATS request). */
export type Empty = Record<string, never>;

/** AUTH (type 16): a login with name and password, a token, or a resume token; `kick` lists ssids to log out to make room. */
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

/** The error of a refused request: a code of src/errors.ts and its text. */
export interface TimError {
  code: number;
  info: string;
}

/** One session of an account as clients and operators see it. */
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

/** The answer to a client request (ACK): ok or an error, with the fields the request type fills (PROTOCOL.md). */
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

/** The SESSIONS answer: this socket's own session and the account's others. */
export interface TimSessions {
  self: TimSession | null;
  online: TimSession[];
}

/** KICK: the ssids of the account's own sessions to log out. */
export interface TimKick {
  ssid: string[];
}

/** A system notice pushed to a client (INFO, LOGOUT_REQUEST, KICKED). */
export interface TimMessage {
  msType: number;
  odType: number;
  id: number;
  dataString: string;
  timestamp: number;
  extend: Record<string, string>;
}

/** ADMAUTH: an operator's name and password, the first frame of an admin socket. */
export interface AdmAuth {
  name: string;
  pwd: string;
}

/** ADMSUB: subscribes the admin socket to presence events of a domain ("" = all). */
export interface AdmSub {
  domain: string;
}

/** ADMNOTICE: a notice to every session of the named accounts and to the listed ssids. */
export interface AdmNotice {
  domain: string;
  names: string[];
  ssids: string[];
  odType: number;
  dataString: string;
  extend: Record<string, string>;
}

/** ADMKICK: logs out the named accounts and listed ssids, blocking the named ones for blockSeconds. */
export interface AdmKick {
  domain: string;
  names: string[];
  ssids: string[];
  reason: string;
  blockSeconds: number;
}

/** ADMONLINE: the sessions of the named accounts of a domain. */
export interface AdmOnline {
  domain: string;
  names: string[];
}

/** One account of an ADMONLINE answer with its sessions. */
export interface AdmAccount {
  domain: string;
  name: string;
  sessions: TimSession[];
}

/** The ADMONLINE answer: each named account with its sessions. */
export interface AdmOnlineReply {
  accounts: AdmAccount[];
}

/** The ADMSTATS answer: table-wide counts and this node's open client sockets. */
export interface AdmStats {
  sessions: number;
  accounts: number;
  connections: number;
  gateways: number;
  perDomain: Record<string, number>;
  tokens: number;
}

/** ADMTOKEN: asks for a single-use login token of domain+name living ttlSeconds. */
export interface AdmToken {
  domain: string;
  name: string;
  ttlSeconds: number;
  extend: Record<string, string>;
}

/** The answer to an admin request (AdmAck): ok or an error, with the fields the request type fills. */
export interface AdmAck {
  ok: boolean;
  admType: number;
  error?: TimError | null;
  t?: number;
  n?: string;
  t2?: number;
  n2?: string;
}

/** A presence event (ONLINE, OFFLINE, KICKED, REJECTED) pushed to ADMSUB subscribers. */
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
