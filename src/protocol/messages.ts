/**
 * The protobuf message types of proto/tim.proto, loaded from the embedded
 * descriptor (src/protocol/schema.ts) with protobufjs's light build: no file
 * system, so the same code runs in Node and in browsers. Their codecs are the
 * ones protobufjs would compile at run time, written out ahead of time
 * (static-codecs.ts): no eval, so pages with a strict Content-Security-Policy
 * can run the client library.
 */
import protobuf from 'protobufjs/light.js';
import { timSchema } from './schema.js';
import { staticCodecs } from './static-codecs.js';
import type { Messages } from './types.js';

/** Name of a message of proto/tim.proto. */
export type MessageName = keyof Messages;

const root = protobuf.Root.fromJSON(timSchema).resolveAll();

/** The generated functions of one message type, bound to protobufjs's runtime. */
interface StaticCodec {
  ctor: protobuf.Constructor<object>;
  methods(writer: typeof protobuf.Writer, reader: typeof protobuf.Reader, util: typeof protobuf.util, types: unknown[], ctor: unknown): Partial<protobuf.Type>;
}

// installed before any use: a type whose methods are set never compiles its own
for (const [name, codec] of Object.entries(staticCodecs as unknown as Record<string, StaticCodec>)) {
  const t = root.lookupType(`tim.${name}`);
  t.ctor = codec.ctor;
  const types = t.fieldsArray.map((f) => f.resolve().resolvedType);
  Object.assign(t, codec.methods(protobuf.Writer, protobuf.Reader, protobuf.util, types, t.ctor));
}
const typeCache = new Map<string, protobuf.Type>();

/** The protobuf type of a message name, looked up once (lookupType walks the namespace on every call: hot path). */
export function messageType(name: MessageName): protobuf.Type {
  let t = typeCache.get(name);
  if (t === undefined) {
    t = root.lookupType(`tim.${name}`);
    typeCache.set(name, t);
  }
  return t;
}

/** Options for turning a decoded message into a plain object: numbers for int64, defaults filled in. */
export const toObjectOptions: protobuf.IConversionOptions = { longs: Number, defaults: true, arrays: true, objects: true };
/** Options for protobuf-JSON output (int64 as strings, made numbers again where safe by the caller). */
export const toJsonOptions: protobuf.IConversionOptions = { longs: String, defaults: true, arrays: true, objects: true, json: true };

const LONG_TYPES = new Set(['int64', 'uint64', 'sint64', 'fixed64', 'sfixed64']);

/**
 * Applies `fix` to every 64-bit integer value of `obj` (a plain object of
 * message type `t`), in place, recursing into sub-messages, maps and lists.
 */
export function mapLongs(t: protobuf.Type, obj: Record<string, unknown>, fix: (v: unknown) => unknown): void {
  for (const field of t.fieldsArray) {
    const v = obj[field.name];
    if (v === undefined || v === null) continue;
    if (field.resolvedType instanceof protobuf.Type) {
      const sub = field.resolvedType;
      const values: unknown = field.map ? Object.values(v as object) : field.repeated ? v : [v];
      for (const x of Array.isArray(values) ? values : []) if (x && typeof x === 'object') mapLongs(sub, x as Record<string, unknown>, fix);
    } else if (LONG_TYPES.has(field.type)) {
      if (field.map && typeof v === 'object') for (const k of Object.keys(v)) (v as Record<string, unknown>)[k] = fix((v as Record<string, unknown>)[k]);
      else if (field.repeated && Array.isArray(v)) obj[field.name] = v.map(fix);
      else obj[field.name] = fix(v);
    }
  }
}
