/**
 * The frame codec: the only module that knows the framing (type byte + payload)
 * and protobufjs. A frame is one binary WebSocket message; byte 0 is the type
 * code, the rest a protobuf (or, in JSON mode, protobuf-JSON) payload.
 */
import { join } from 'node:path';
import protobuf from 'protobufjs';
import { packageRoot } from '../package-root.js';
import { JSON_FLAG, payloadTypes, type Channel } from './type-codes.js';

const root = protobuf.loadSync(join(packageRoot, 'proto', 'tim.proto')).resolveAll();

/** Options for turning a decoded message into a plain object: numbers for int64, defaults filled in. */
const toObjectOptions: protobuf.IConversionOptions = { longs: Number, defaults: true, arrays: true, objects: true };
/** Options for the JSON encoding sent to JSON-mode peers (canonical protobuf-JSON: int64 as strings). */
const toJsonOptions: protobuf.IConversionOptions = { longs: String, defaults: true, arrays: true, objects: true, json: true };

const typeCache = new Map<string, protobuf.Type>();

/** The protobuf type of a message name, looked up once (lookupType walks the namespace on every call: hot path). */
function messageType(name: string): protobuf.Type {
  let t = typeCache.get(name);
  if (t === undefined) {
    t = root.lookupType(`tim.${name}`);
    typeCache.set(name, t);
  }
  return t;
}

const LONG_TYPES = new Set(['int64', 'uint64', 'sint64', 'fixed64', 'sfixed64']);
const DECIMAL = /^-?\d{1,19}$/;

/**
 * Canonical protobuf-JSON writes 64-bit integers as decimal strings; turns
 * them into numbers (in place) so that `verify` accepts them, recursing into
 * sub-messages. Any other string in a number field stays and fails `verify`.
 */
function numbersFromJson(t: protobuf.Type, obj: Record<string, unknown>): void {
  for (const field of t.fieldsArray) {
    const v = obj[field.name];
    if (v === undefined || v === null) continue;
    if (field.resolvedType instanceof protobuf.Type) {
      const sub = field.resolvedType;
      const values = field.map ? Object.values(v as object) : field.repeated ? (v as unknown[]) : [v];
      for (const x of Array.isArray(values) ? values : []) if (x && typeof x === 'object') numbersFromJson(sub, x as Record<string, unknown>);
    } else if (LONG_TYPES.has(field.type)) {
      const fix = (x: unknown): unknown => (typeof x === 'string' && DECIMAL.test(x) ? Number(x) : x);
      if (field.map && typeof v === 'object') for (const k of Object.keys(v)) (v as Record<string, unknown>)[k] = fix((v as Record<string, unknown>)[k]);
      else if (field.repeated && Array.isArray(v)) obj[field.name] = v.map(fix);
      else obj[field.name] = fix(v);
    }
  }
}

/** A decoded frame: its type code, payload as a plain object, and whether it was JSON. */
export interface DecodedFrame {
  readonly type: number;
  readonly json: boolean;
  readonly payload: Record<string, unknown>;
}

/** Why a frame could not be decoded: `unknown-type` (no such type code here) or `bad-payload`. */
export interface UndecodableFrame {
  readonly type: number;
  readonly error: 'unknown-type' | 'bad-payload' | 'empty-frame';
}

/**
 * Decodes one binary WebSocket message received on `channel`. `jsonMode` is
 * true once the connection chose JSON: its payloads may then be JSON with or
 * without the 0x80 bit (a protobuf payload never starts with `{`).
 */
export function decodeFrame(channel: Channel, data: Uint8Array, jsonMode = false): DecodedFrame | UndecodableFrame {
  if (data.length === 0) return { type: -1, error: 'empty-frame' };
  const flagged = (data[0]! & JSON_FLAG) !== 0;
  const type = data[0]! & ~JSON_FLAG;
  const typeName = (payloadTypes[channel] as Record<number, string>)[type];
  if (typeName === undefined) return { type, error: 'unknown-type' };
  const body = data.subarray(1);
  const json = flagged || (jsonMode && body[0] === 0x7b);
  const t = messageType(typeName);
  try {
    if (json) {
      const parsed: unknown = body.length === 0 ? {} : JSON.parse(Buffer.from(body.buffer, body.byteOffset, body.length).toString('utf8'));
      if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) return { type, error: 'bad-payload' };
      numbersFromJson(t, parsed as Record<string, unknown>);
      if (t.verify(parsed as Record<string, unknown>) !== null || int32OutOfRange(t, parsed as Record<string, unknown>)) return { type, error: 'bad-payload' };
      return { type, json, payload: t.toObject(t.fromObject(parsed as Record<string, unknown>), toObjectOptions) };
    }
    return { type, json, payload: t.toObject(t.decode(body), toObjectOptions) };
  } catch {
    return { type, error: 'bad-payload' };
  }
}

/** True when a protobuf-JSON object sets an int32 field outside the int32 range (verify accepts it, fromObject would wrap it). */
function int32OutOfRange(t: protobuf.Type, obj: Record<string, unknown>): boolean {
  return t.fieldsArray.some((f) => {
    const v = obj[f.name];
    return f.type === 'int32' && typeof v === 'number' && (v < -0x80000000 || v > 0x7fffffff);
  });
}

/** True when `decodeFrame` failed. */
export function isUndecodable(f: DecodedFrame | UndecodableFrame): f is UndecodableFrame {
  return 'error' in f;
}

/**
 * Encodes a frame to send on `channel` (`clientOut`, `adminOut`, or the `*In`
 * channels when acting as a client). With `json`, the payload is protobuf-JSON
 * and, when `flagJson` is set too, the type byte carries the 0x80 bit (a
 * client's AUTH frame).
 */
export function encodeFrame(channel: Channel, type: number, payload: object = {}, json = false, flagJson = false): Buffer {
  const typeName = (payloadTypes[channel] as Record<number, string>)[type];
  if (typeName === undefined) throw new Error(`no type code ${type} on channel ${channel}`);
  return encodeAs(typeName, type, payload, json, flagJson);
}

/**
 * An AdmAck in a frame of any type code: the admin socket's error replies,
 * which carry the type code of the request they answer even where a success
 * would carry another message (ADMONLINE, ADMSTATS) or the code is unknown.
 */
export function encodeAdmAck(type: number, ack: object, json = false): Buffer {
  return encodeAs('AdmAck', type & 0xff, ack, json, false);
}

function encodeAs(typeName: string, type: number, payload: object, json: boolean, flagJson: boolean): Buffer {
  const t = messageType(typeName);
  const msg = t.fromObject(payload as Record<string, unknown>);
  const head = type | (flagJson ? JSON_FLAG : 0);
  if (json) {
    const text = JSON.stringify(t.toObject(msg, toJsonOptions));
    const out = Buffer.allocUnsafe(1 + Buffer.byteLength(text));
    out[0] = head;
    out.write(text, 1, 'utf8');
    return out;
  }
  const bytes = t.encode(msg).finish();
  const out = Buffer.allocUnsafe(1 + bytes.length);
  out[0] = head;
  out.set(bytes, 1);
  return out;
}

/** Decodes a payload as a given message type without framing (tests, admin client fallbacks). */
export function decodePayload(typeName: string, body: Uint8Array): Record<string, unknown> {
  const t = messageType(typeName);
  return t.toObject(t.decode(body), toObjectOptions);
}
