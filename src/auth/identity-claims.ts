/**
 * The per-account fields a user service (auth_url answer) or a JWT may carry:
 * limits for this login and extend kept on the session. Checked strictly: a
 * field of the wrong type makes the whole answer invalid.
 */
import type { Identity, LimitsOverride } from './authenticator.js';

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);
const isLimit = (v: unknown): boolean => Number.isInteger(v) && (v as number) >= 1 && (v as number) <= 10000;

/** Reads limits and extend from `src`; a string naming the bad field when one is malformed. */
export function identityClaims(src: Record<string, unknown>): Pick<Identity, 'limits' | 'extend'> | string {
  const limits: { -readonly [K in keyof LimitsOverride]: LimitsOverride[K] } = {};
  for (const k of ['device_limit', 'devicetype_limit'] as const) {
    if (src[k] === undefined) continue;
    if (!isLimit(src[k])) return `${k} must be an integer from 1 to 10000`;
    limits[k] = src[k] as number;
  }
  if (src.overentry !== undefined) {
    if (src.overentry !== 'reject' && src.overentry !== 'kick') return 'overentry must be "reject" or "kick"';
    limits.overentry = src.overentry;
  }
  const out: { limits?: LimitsOverride; extend?: Record<string, string> } = Object.keys(limits).length ? { limits } : {};
  if (src.extend !== undefined) {
    if (!isObject(src.extend) || !Object.values(src.extend).every((v) => typeof v === 'string')) return 'extend must be an object of strings';
    if (Object.keys(src.extend).length) out.extend = { ...(src.extend as Record<string, string>) };
  }
  return out;
}
