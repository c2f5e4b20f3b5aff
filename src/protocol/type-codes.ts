import type { Messages } from './types.js';

/** Client socket type codes (PROTOCOL.md section 2). */
export const ClientType = {
  ACK: 12,
  PING: 13,
  AUTH: 16,
  LOGOUT: 20,
  SESSIONS: 30,
  KICK: 31,
  MESSAGE: 90,
} as const;

/** Admin socket type codes (PROTOCOL.md section 8). */
export const AdminType = {
  PING: 11,
  AUTH: 12,
  SUB: 13,
  NOTICE: 40,
  KICK: 41,
  ONLINE: 42,
  STATS: 43,
  TOKEN: 44,
  EVENT: 45,
} as const;

/** Bit set in the type byte of a client's AUTH frame to choose JSON payloads. */
export const JSON_FLAG = 0x80;

/** Message type (in proto/tim.proto) of the payload of each type code, per socket and direction. */
export const payloadTypes = {
  clientIn: { 13: 'Empty', 16: 'TimAuth', 20: 'Empty', 30: 'Empty', 31: 'TimKick' },
  clientOut: { 12: 'TimAck', 13: 'Empty', 30: 'TimSessions', 90: 'TimMessage' },
  adminIn: { 11: 'Empty', 12: 'AdmAuth', 13: 'AdmSub', 40: 'AdmNotice', 41: 'AdmKick', 42: 'AdmOnline', 43: 'Empty', 44: 'AdmToken' },
  adminOut: { 11: 'Empty', 12: 'AdmAck', 13: 'AdmAck', 40: 'AdmAck', 41: 'AdmAck', 42: 'AdmOnlineReply', 43: 'AdmStats', 44: 'AdmAck', 45: 'AdmEvent' },
} as const satisfies Record<string, Record<number, string>>;

/** One side of the protocol: which payload types a peer may send or receive. */
export type Channel = keyof typeof payloadTypes;

type PayloadTypes = typeof payloadTypes;

/** The type codes a channel carries. */
export type CodeOf<C extends Channel> = keyof PayloadTypes[C] & number;

/** The payload message of type code `K` on channel `C`. */
export type PayloadOf<C extends Channel, K extends CodeOf<C>> = Messages[PayloadTypes[C][K] & keyof Messages];

/** The message name of a type code on a channel, or undefined when the channel has no such code. */
export function payloadName(channel: Channel, type: number): keyof Messages | undefined {
  return (payloadTypes[channel] as Readonly<Record<number, keyof Messages>>)[type];
}
