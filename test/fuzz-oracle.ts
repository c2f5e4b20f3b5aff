/**
 * The fuzz tests' oracle, written from PROTOCOL.md alone: it shares no code
 * with the gateway's codec or bounds (src/protocol/codec.ts,
 * src/policy/auth-bounds.ts), so a bug there cannot hide by being copied
 * here. It reads the contract's proto/tim.proto with protobufjs itself,
 * checks protobuf-JSON payloads by their declared field types, and applies the
 * AUTH bounds of tim.json, and reads text mode (section 10) by its own rules.
 * When the server's rules change, this file changes with them, on purpose.
 */
import { join } from 'node:path';
import protobuf from 'protobufjs';
import { packageRoot } from '../src/package-root.js';

const root = protobuf.loadSync(join(packageRoot, 'proto', 'tim.proto')).resolveAll();
const type = (name: string): protobuf.Type => root.lookupType(`tim.${name}`);

/** Client → server type codes and their payloads (PROTOCOL.md section 2). */
const CLIENT_IN: Readonly<Record<number, string>> = { 13: 'Empty', 16: 'TimAuth', 20: 'Empty', 30: 'Empty', 31: 'TimKick' };
const PING = 13;
const AUTH = 16;
const ACK = 12;
/** Bit 0x80 of the type byte: JSON payload (section 1). */
const JSON_BIT = 0x80;

/** Error codes of section 7 the oracle predicts. */
export const Code = { FORMAT: 4113, PERMISSION_DENIED: 4105, PARAMETER_INCORRECT: 4104, ERROR_TOKEN: 4115 } as const;

/** The AUTH bounds of tim.json (config keys of section 9 and README). */
export interface Bounds {
  readonly max_field_bytes: number;
  readonly max_extend_entries: number;
  readonly max_extend_bytes: number;
  readonly max_kick: number;
}

/** Longest token the gateway accepts (README: tokens over 256 bytes answer 4104). */
const MAX_TOKEN_BYTES = 256;

/** A decoded client frame as the contract reads it, or null when it is a protocol error (4113). */
interface Frame {
  readonly code: number;
  readonly json: boolean;
  readonly payload: Record<string, unknown>;
}

const isInt32 = (v: unknown): boolean => typeof v === 'number' && Number.isInteger(v) && v >= -0x80000000 && v <= 0x7fffffff;
const isString = (v: unknown): boolean => typeof v === 'string';
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null;

/** True when a protobuf-JSON object has the declared type for every field it sets (null counts as unset). */
function jsonFitsType(t: protobuf.Type, obj: Record<string, unknown>): boolean {
  return t.fieldsArray.every((f) => {
    const v = obj[f.name];
    if (v === undefined || v === null) return true;
    const scalar = f.type === 'string' ? isString : f.type === 'int32' ? isInt32 : null;
    if (scalar === null) throw new Error(`oracle: no JSON rule for ${t.name}.${f.name} (${f.type})`);
    if (f.map) return isObject(v) && Object.values(v).every(scalar);
    if (f.repeated) return Array.isArray(v) && v.every(scalar);
    return scalar(v);
  });
}

/** Reads a client frame (`jsonMode`: the connection chose JSON, so a payload starting with `{` is JSON). */
function read(frame: Uint8Array, jsonMode: boolean): Frame | null {
  if (frame.length === 0) return null;
  const code = frame[0]! & ~JSON_BIT;
  const name = CLIENT_IN[code];
  if (name === undefined) return null;
  const body = Buffer.from(frame.subarray(1));
  const json = (frame[0]! & JSON_BIT) !== 0 || (jsonMode && body[0] === 0x7b);
  const t = type(name);
  if (json) {
    let parsed: unknown;
    try {
      parsed = body.length === 0 ? {} : JSON.parse(body.toString('utf8'));
    } catch {
      return null;
    }
    if (!isObject(parsed) || Array.isArray(parsed) || !jsonFitsType(t, parsed)) return null;
    return { code, json, payload: { ...defaults(t), ...withoutNulls(parsed) } };
  }
  try {
    return { code, json, payload: t.toObject(t.decode(body), { defaults: true, arrays: true, objects: true }) };
  } catch {
    return null;
  }
}

function defaults(t: protobuf.Type): Record<string, unknown> {
  return t.toObject(t.create(), { defaults: true, arrays: true, objects: true });
}

function withoutNulls(obj: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(obj).filter(([, v]) => v !== null));
}

const bytes = (s: unknown): number => Buffer.byteLength(String(s), 'utf8');

/** README (extensions): name, domain and resource must be well-formed Unicode (UTF-8 round-trips them) without control characters (category Cc). */
const unclean = (s: string): boolean => Buffer.from(s, 'utf8').toString('utf8') !== s || /\p{Cc}/u.test(s);

/** The fields of an AUTH payload that break a bound (section 3 and tim.json's max_* keys); empty when none. */
export function authViolations(auth: Record<string, unknown>, bounds: Bounds): string[] {
  const out: string[] = [];
  if (auth.name === '') out.push('name');
  for (const f of ['name', 'domain', 'resource', 'pwd']) if (bytes(auth[f]) > bounds.max_field_bytes) out.push(f);
  for (const f of ['name', 'domain', 'resource']) if (unclean(String(auth[f]))) out.push(f);
  if (bytes(auth.token) > MAX_TOKEN_BYTES) out.push('token');
  if (auth.pwd === '' && auth.token === '') out.push('pwd', 'token');
  const termtyp = auth.termtyp as number;
  if (termtyp < 0 || termtyp > 127) out.push('termtyp');
  const extend = Object.entries(auth.extend as Record<string, string>);
  if (extend.length > bounds.max_extend_entries || extend.reduce((n, [k, v]) => n + bytes(k) + bytes(v), 0) > bounds.max_extend_bytes) out.push('extend');
  const kick = auth.kick as string[];
  if (kick.length > bounds.max_kick || kick.some((s) => bytes(s) > bounds.max_field_bytes)) out.push('kick');
  return out;
}

/** What the server must answer to one frame: an ACK with `code` (and, for 4104, one of `fields` named first in info), or nothing. */
export type Expected = { ack: number; fields?: string[]; bad: boolean } | { ack: null; bad: false };

/** What the oracle knows of a connection: text or binary (section 10: fixed by its first message; null before it), JSON payloads. */
export interface WireState {
  text: boolean | null;
  json: boolean;
}

/**
 * Reads a text-mode message (section 10): a JSON object `{"type": CODE, "data": PAYLOAD}`,
 * `data` left out for an empty payload, nothing else; null when it is a protocol error.
 */
function readText(text: string): Frame | null {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return null;
  }
  if (!isObject(parsed) || Array.isArray(parsed) || Object.keys(parsed).some((k) => k !== 'type' && k !== 'data')) return null;
  const name = typeof parsed.type === 'number' ? CLIENT_IN[parsed.type] : undefined;
  if (name === undefined) return null;
  const data = parsed.data === undefined ? {} : parsed.data;
  if (!isObject(data) || Array.isArray(data) || !jsonFitsType(type(name), data)) return null;
  return { code: parsed.type as number, json: true, payload: { ...defaults(type(name)), ...withoutNulls(data) } };
}

/**
 * Predicts the answer to `frame` on a socket that has not logged in (`state`:
 * text or binary, and JSON mode; updated as the connection would). No AUTH the
 * fuzzer sends can succeed: their accounts or tokens do not exist.
 */
export function predict(frame: Uint8Array | string, state: WireState, bounds: Bounds): Expected {
  const text = typeof frame === 'string';
  state.text ??= text;
  if (text !== state.text) return { ack: Code.FORMAT, bad: true }; // section 10: the other kind of message is a bad frame
  // section 1: a flagged AUTH makes the connection JSON, even one whose payload is bad (its 4113 comes in JSON)
  if (!text && frame.length > 0 && (frame[0]! & JSON_BIT) !== 0 && (frame[0]! & ~JSON_BIT) === AUTH) state.json = true;
  const f = typeof frame === 'string' ? readText(frame) : read(frame, state.json);
  if (f === null) return { ack: Code.FORMAT, bad: true };
  if (f.code === PING) return { ack: null, bad: false };
  if (f.code !== AUTH) return { ack: Code.PERMISSION_DENIED, bad: true }; // section 2: only AUTH and PING before AUTH
  const fields = authViolations(f.payload, bounds);
  if (fields.length > 0) return { ack: Code.PARAMETER_INCORRECT, fields, bad: false };
  return { ack: f.payload.token !== '' ? Code.ERROR_TOKEN : Code.PERMISSION_DENIED, bad: false };
}

/** A client frame built from the contract: type byte (with 0x80 when `flagJson`) and a protobuf or JSON payload. */
export function clientFrame(code: number, payload: Record<string, unknown> = {}, json = false, flagJson = false): Uint8Array {
  const head = Uint8Array.of(code | (flagJson ? JSON_BIT : 0));
  const t = type(CLIENT_IN[code]!);
  const body = json ? Buffer.from(JSON.stringify(payload)) : t.encode(t.fromObject(payload)).finish();
  return Buffer.concat([head, body]);
}

/** A client message in text mode (section 10). */
export function clientText(code: number, payload: Record<string, unknown> = {}): string {
  return JSON.stringify({ type: code, data: payload });
}

/** A server ACK as the contract reads it (protobuf, JSON in JSON mode, or a text-mode message); null for any other message. */
export function readAck(data: Uint8Array, isBinary = true): { ok: boolean; error?: { code: number; info: string } } | null {
  let ack: Record<string, unknown>;
  if (isBinary) {
    if (data[0] !== ACK) return null;
    const body = Buffer.from(data.subarray(1));
    const t = type('TimAck');
    ack = body[0] === 0x7b ? (JSON.parse(body.toString('utf8')) as Record<string, unknown>) : t.toObject(t.decode(body), { defaults: true });
  } else {
    const message = JSON.parse(Buffer.from(data).toString('utf8')) as { type: number; data?: Record<string, unknown> };
    if (message.type !== ACK) return null;
    ack = message.data ?? {};
  }
  const error = ack.error as { code: number; info: string } | undefined;
  return { ok: ack.ok === true, ...(error ? { error: { code: Number(error.code), info: String(error.info ?? '') } } : {}) };
}
