/**
 * Typed reading of JSON request bodies and query strings: each field has a
 * kind, an absent field takes its kind's empty value (as an absent protobuf
 * field does on the admin socket), a field of the wrong type or an unknown
 * field answers 4104 naming it. Bounds are the operations' business.
 */
import { ErrorCode, failure } from '../errors.js';
import { refusal, success, type Outcome } from '../outcome.js';

/** The kinds of field a request may carry. */
type Kind = 'string' | 'strings' | 'int' | 'map';
type ValueOf<K extends Kind> = K extends 'string' ? string : K extends 'strings' ? string[] : K extends 'int' ? number : Record<string, string>;

/** A request's fields and their kinds. */
export type FieldSpec = Readonly<Record<string, Kind>>;
/** The typed object a spec reads to. */
export type FieldValues<S extends FieldSpec> = { -readonly [F in keyof S]: ValueOf<S[F]> };

const empty: Readonly<Record<Kind, () => unknown>> = { string: () => '', strings: () => [], int: () => 0, map: () => ({}) };

const isStringMap = (v: unknown): boolean =>
  v !== null && typeof v === 'object' && !Array.isArray(v) && Object.values(v as object).every((x) => typeof x === 'string');

const fits: Readonly<Record<Kind, (v: unknown) => boolean>> = {
  string: (v) => typeof v === 'string',
  strings: (v) => Array.isArray(v) && v.every((x) => typeof x === 'string'),
  int: (v) => Number.isSafeInteger(v),
  map: isStringMap,
};

const described: Readonly<Record<Kind, string>> = { string: 'a string', strings: 'an array of strings', int: 'an integer', map: 'an object of strings' };

/** Reads `obj` by `spec`; 4104 naming the first unknown or mistyped field. */
export function readFields<S extends FieldSpec>(obj: Record<string, unknown>, spec: S): Outcome<FieldValues<S>> {
  for (const k of Object.keys(obj)) if (!Object.hasOwn(spec, k)) return refusal(failure(ErrorCode.PARAMETER_INCORRECT, `${k} is not a known field`));
  const out: Record<string, unknown> = {};
  for (const [field, kind] of Object.entries(spec)) {
    const v = obj[field];
    if (v === undefined) out[field] = empty[kind]();
    else if (fits[kind](v)) out[field] = v;
    else return refusal(failure(ErrorCode.PARAMETER_INCORRECT, `${field} must be ${described[kind]}`));
  }
  return success(out as FieldValues<S>);
}

/**
 * A query string as an object for readFields: a field of kind 'strings' is
 * every value of the parameter `lists[field]` (e.g. names from name=A&name=B),
 * any other parameter must appear once.
 */
export function queryObject(params: URLSearchParams, lists: Readonly<Record<string, string>> = {}): Outcome<Record<string, unknown>> {
  const out: Record<string, unknown> = {};
  const listOf = new Map(Object.entries(lists).map(([field, param]) => [param, field]));
  for (const [k, v] of params) {
    const field = listOf.get(k);
    if (field !== undefined) out[field] = [...((out[field] as string[] | undefined) ?? []), v];
    else if (k in out) return refusal(failure(ErrorCode.PARAMETER_INCORRECT, `${k} given more than once`));
    else out[k] = v;
  }
  return success(out);
}
