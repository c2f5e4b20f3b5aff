/**
 * The frame codec: the only module that knows the framing. A binary frame is
 * one WebSocket message whose byte 0 is the type code and the rest a protobuf
 * (or, in JSON mode, protobuf-JSON) payload; a text frame (text mode,
 * PROTOCOL.md section 10) is `{"type": CODE, "data": PAYLOAD}`. Decoding
 * returns a payload typed by its type code. No Node APIs: browsers use it too.
 */
import { payloadFromJson, payloadToJson } from './json-payload.js';
import { messageType, toObjectOptions, type MessageName } from './messages.js';
import { JSON_FLAG, payloadName, type Channel, type CodeOf, type PayloadOf } from './type-codes.js';
import type { Messages } from './types.js';

/** A decoded frame received on channel `C`: its type code, its payload (typed by that code), and whether it was JSON. */
export type DecodedFrame<C extends Channel> = {
  [K in CodeOf<C>]: { readonly type: K; readonly json: boolean; readonly payload: PayloadOf<C, K> };
}[CodeOf<C>];

/** Why a frame could not be decoded (all answered 4113). */
export type FrameError = 'unknown-type' | 'bad-payload' | 'empty-frame' | 'text-frame' | 'binary-frame';

/** A frame that could not be decoded: its type code when known (else 0 or -1), why, and whether it carried the JSON flag (0x80). */
export interface UndecodableFrame {
  readonly type: number;
  readonly error: FrameError;
  readonly json?: true;
}

const utf8Decoder = new TextDecoder('utf-8', { fatal: true });
const utf8Encoder = new TextEncoder();

/** A typed frame from a type code and a plain-object payload of the message that code names. */
function typed<C extends Channel>(type: number, json: boolean, payload: Record<string, unknown>): DecodedFrame<C> {
  return { type, json, payload } as DecodedFrame<C>;
}

/**
 * Decodes one binary WebSocket message received on `channel`. `jsonMode` is
 * true once the connection chose JSON: its payloads may then be JSON with or
 * without the 0x80 bit (a protobuf payload never starts with `{`).
 */
export function decodeFrame<C extends Channel>(channel: C, data: Uint8Array, jsonMode = false): DecodedFrame<C> | UndecodableFrame {
  if (data.length === 0) return { type: -1, error: 'empty-frame' };
  const flagged = (data[0]! & JSON_FLAG) !== 0;
  const type = data[0]! & ~JSON_FLAG;
  const name = payloadName(channel, type);
  if (name === undefined) return { type, error: 'unknown-type' };
  const body = data.subarray(1);
  const json = flagged || (jsonMode && body[0] === 0x7b);
  // a flagged payload that is no valid JSON message is still a JSON client's: its answer is JSON too
  const bad: UndecodableFrame = flagged ? { type, error: 'bad-payload', json: true } : { type, error: 'bad-payload' };
  try {
    if (json) {
      const payload = payloadFromJson(name, body.length === 0 ? {} : JSON.parse(utf8Decoder.decode(body)));
      return payload ? typed(type, true, payload) : bad;
    }
    const t = messageType(name);
    return typed(type, false, t.toObject(t.decode(body), toObjectOptions));
  } catch {
    return bad;
  }
}

/**
 * Decodes one text-mode message `{"type": CODE, "data": PAYLOAD}` received on
 * `channel` (`data` may be left out for an empty payload; no other keys).
 */
export function decodeText<C extends Channel>(channel: C, text: string): DecodedFrame<C> | UndecodableFrame {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return { type: 0, error: 'bad-payload' };
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) return { type: 0, error: 'bad-payload' };
  const { type, data, ...rest } = parsed as Record<string, unknown>;
  if (typeof type !== 'number' || !Number.isInteger(type) || type < 0 || type > 255) return { type: 0, error: 'bad-payload' };
  const name = payloadName(channel, type);
  if (name === undefined) return { type, error: 'unknown-type' };
  if (Object.keys(rest).length > 0) return { type, error: 'bad-payload' };
  const payload = payloadFromJson(name, data === undefined ? {} : data);
  return payload ? typed(type, true, payload) : { type, error: 'bad-payload' };
}

/** True when decoding failed. */
export function isUndecodable(f: { readonly type: number }): f is UndecodableFrame {
  return 'error' in f;
}

/** How a frame is written: protobuf, protobuf-JSON in a binary frame (0x80 bit on a client's AUTH when `flag`), or text mode. */
export type FrameFormat = 'binary' | 'json' | 'text';

/**
 * Encodes a frame to send on `channel` (`clientOut`, `adminOut`, or the `*In`
 * channels when acting as a client). With `json`, the payload is protobuf-JSON
 * and, when `flagJson` is set too, the type byte carries the 0x80 bit (a
 * client's AUTH frame).
 */
export function encodeFrame<C extends Channel, K extends CodeOf<C>>(channel: C, type: K, payload: Partial<PayloadOf<C, K>> = {}, json = false, flagJson = false): Uint8Array {
  return encodeAs(nameOf(channel, type), type, payload, json ? 'json' : 'binary', flagJson) as Uint8Array;
}

/** Encodes a text-mode message (PROTOCOL.md section 10) to send on `channel`. */
export function encodeText<C extends Channel, K extends CodeOf<C>>(channel: C, type: K, payload: Partial<PayloadOf<C, K>> = {}): string {
  return encodeAs(nameOf(channel, type), type, payload, 'text', false) as string;
}

/** The message name of type code `type` on `channel`; throws for a code the channel does not carry (a programming error). */
export function nameOf(channel: Channel, type: number): MessageName {
  const name = payloadName(channel, type);
  if (name === undefined) throw new Error(`no type code ${type} on channel ${channel}`);
  return name;
}

/**
 * A message of type `name` under type code `type` in a given format: also
 * for the admin socket's error replies, AdmAck payloads that carry the type
 * code of the request they answer even where a success would carry another
 * message (ADMONLINE, ADMSTATS) or the code is unknown.
 */
export function encodeAs<N extends MessageName>(name: N, type: number, payload: Partial<Messages[N]>, format: FrameFormat, flagJson = false): Uint8Array | string {
  if (format === 'text') {
    const data = payloadToJson(name, payload, false);
    return JSON.stringify(name === 'Empty' ? { type } : { type, data });
  }
  const head = (type & 0xff) | (flagJson ? JSON_FLAG : 0);
  const t = messageType(name);
  const bytes = format === 'json' ? utf8Encoder.encode(JSON.stringify(payloadToJson(name, payload, true))) : t.encode(t.fromObject(payload)).finish();
  const out = new Uint8Array(1 + bytes.length);
  out[0] = head;
  out.set(bytes, 1);
  return out;
}

/** Decodes a payload as a given message type without framing (the admin client's error replies, tests). */
export function decodePayload<N extends MessageName>(name: N, body: Uint8Array): Messages[N] {
  const t = messageType(name);
  return t.toObject(t.decode(body), toObjectOptions) as Messages[N];
}
