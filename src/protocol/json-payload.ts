/**
 * Protobuf-JSON payloads (JSON mode and text mode): parsing a received object
 * into a checked message, and writing a message as a JSON-ready object.
 */
import { mapLongs, messageType, toJsonOptions, toObjectOptions, type MessageName } from './messages.js';

const DECIMAL = /^-?\d{1,19}$/;

/** A decimal string as a number (so that verify accepts it); anything else unchanged and left for verify to refuse. */
const numberFromJson = (x: unknown): unknown => (typeof x === 'string' && DECIMAL.test(x) ? Number(x) : x);

/** A decimal string as a number when that number is exact (int64 values are sent as numbers when they fit in 2^53). */
const safeNumber = (x: unknown): unknown => (typeof x === 'string' && DECIMAL.test(x) && Number.isSafeInteger(Number(x)) ? Number(x) : x);

/** True when a protobuf-JSON object sets an int32 field outside the int32 range (verify accepts it, fromObject would wrap it). */
function int32OutOfRange(name: MessageName, obj: Record<string, unknown>): boolean {
  return messageType(name).fieldsArray.some((f) => {
    const v = obj[f.name];
    return f.type === 'int32' && typeof v === 'number' && (v < -0x80000000 || v > 0x7fffffff);
  });
}

/**
 * A received protobuf-JSON value as a message of type `name` (a plain object,
 * defaults filled in), or null when it is not one: not an object, a field of
 * the wrong type, an int32 out of range.
 */
export function payloadFromJson(name: MessageName, parsed: unknown): Record<string, unknown> | null {
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) return null;
  const t = messageType(name);
  const obj = parsed as Record<string, unknown>;
  mapLongs(t, obj, numberFromJson);
  if (t.verify(obj) !== null || int32OutOfRange(name, obj)) return null;
  return t.toObject(t.fromObject(obj), toObjectOptions);
}

/**
 * `payload` as protobuf-JSON of message type `name`. int64 fields are
 * numbers when they fit in 2^53 and decimal strings otherwise, unless
 * `longsAsStrings` (canonical protobuf-JSON, the binary JSON mode).
 */
export function payloadToJson(name: MessageName, payload: object, longsAsStrings: boolean): Record<string, unknown> {
  const t = messageType(name);
  const obj = t.toObject(t.fromObject(payload as Record<string, unknown>), toJsonOptions);
  if (!longsAsStrings) mapLongs(t, obj, safeNumber);
  return obj;
}
