/**
 * The request objects of HTTP routes: a body or query string read by a field
 * spec (src/http/request-fields.ts), or the error answer to send instead.
 */
import { failureReply, type HttpReply } from './http-reply.js';
import { queryObject, readFields, type FieldSpec, type FieldValues } from './request-fields.js';
import type { RequestContext } from './router.js';

/** A request object, or the answer that refuses it. */
export type Parsed<T> = { readonly value: T } | { readonly reply: HttpReply };

/** The request's body read by `spec` (JSON; also a form when `form` is set). */
export async function bodyFields<S extends FieldSpec>(ctx: RequestContext, spec: S, form = false): Promise<Parsed<FieldValues<S>>> {
  const parsed = await ctx.body(form);
  if ('reply' in parsed) return parsed;
  const out = readFields(parsed.body, spec);
  return out.ok ? { value: out.value } : { reply: failureReply(out.failure) };
}

/** The request's query string read by `spec`; `lists` maps list fields to their repeated parameter. */
export function queryFields<S extends FieldSpec>(ctx: RequestContext, spec: S, lists: Readonly<Record<string, string>> = {}): Parsed<FieldValues<S>> {
  const obj = queryObject(ctx.url.searchParams, lists);
  if (!obj.ok) return { reply: failureReply(obj.failure) };
  const out = readFields(obj.value, spec);
  return out.ok ? { value: out.value } : { reply: failureReply(out.failure) };
}
