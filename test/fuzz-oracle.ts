/**
 * The fuzz tests' oracle, written from PROTOCOL.md alone: it shares no code
 * with the gateway's codec or bounds (src/protocol/codec.ts,
 * src/policy/auth-bounds.ts), so a bug there cannot hide by being copied
 * here. It reads the contract's proto/tim.proto with protobufjs itself,
 * checks protobuf-JSON payloads by their declared field types, and applies the
 * AUTH bounds of tim.json. When the server's rules change (new bounds, text
 * mode), this file changes with them, on purpose.
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

/** The fields of an AUTH payload that break a bound (section 3 and tim.json's max_* keys); empty when none. */
export function authViolations(auth: Record<string, unknown>, bounds: Bounds): string[] {
  const out: string[] = [];
  if (auth.name === '') out.push('name');
  for (const f of ['name', 'domain', 'resource', 'pwd']) if (bytes(auth[f]) > bounds.max_field_bytes) out.push(f);
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

/**
 * Predicts the answer to `frame` on a socket that has not logged in (`state.json`:
 * the connection is in JSON mode; updated when an AUTH chooses it). No AUTH the
 * fuzzer sends can succeed: their accounts or tokens do not exist.
 */
export function predict(frame: Uint8Array | string, state: { json: boolean }, bounds: Bounds): Expected {
  if (typeof frame === 'string') return { ack: Code.FORMAT, bad: true }; // section 1: text messages are a protocol error
  const f = read(frame, state.json);
  if (f === null) return { ack: Code.FORMAT, bad: true };
  if (f.code === AUTH && f.json) state.json = true;
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

/** A server ACK as the contract reads it (protobuf, or JSON in JSON mode); null for any other frame. */
export function readAck(data: Uint8Array): { ok: boolean; error?: { code: number; info: string } } | null {
  if (data[0] !== ACK) return null;
  const body = Buffer.from(data.subarray(1));
  const t = type('TimAck');
  const ack = body[0] === 0x7b ? (JSON.parse(body.toString('utf8')) as Record<string, unknown>) : t.toObject(t.decode(body), { defaults: true });
  const error = ack.error as { code: number; info: string } | undefined;
  return { ok: ack.ok === true, ...(error ? { error: { code: Number(error.code), info: String(error.info ?? '') } } : {}) };
}
