/**
 * Validation of the identity keys of tim.json (auth_url, jwt, webhooks):
 * every mistake names the key and what it must be.
 */
import { presenceKinds } from '../protocol/presence-json.js';
import { jwtAlgorithms } from './identity-options.js';

type Rule = (value: unknown) => string | null;

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);
const nonEmpty = (v: unknown): boolean => typeof v === 'string' && v.length > 0;

/** True for an absolute http:// or https:// URL. */
function isHttpUrl(v: unknown): boolean {
  if (typeof v !== 'string') return false;
  try {
    const u = new URL(v);
    return (u.protocol === 'http:' || u.protocol === 'https:') && u.hostname !== '';
  } catch {
    return false;
  }
}

const between = (v: unknown, min: number, max: number, integer: boolean): boolean =>
  typeof v === 'number' && Number.isFinite(v) && v >= min && v <= max && (!integer || Number.isInteger(v));

/** Problem with one `jwt` key, or null. */
function jwtKeyProblem(k: string, v: unknown): string | null {
  switch (k) {
    case 'secret':
    case 'public_key':
    case 'issuer':
    case 'domain_claim':
      return nonEmpty(v) ? null : 'must be a non-empty string';
    case 'jwks_url':
      return isHttpUrl(v) ? null : 'must be an http:// or https:// URL';
    case 'audience':
      return nonEmpty(v) || (Array.isArray(v) && v.length > 0 && v.every(nonEmpty)) ? null : 'must be a string or an array of strings';
    case 'leeway':
      return between(v, 0, 3600, false) ? null : 'must be a number of seconds from 0 to 3600';
    case 'algorithms':
      return Array.isArray(v) && v.length > 0 ? null : 'must be a non-empty array of algorithm names';
    default:
      return 'is not a known key';
  }
}

const jwt: Rule = (v) => {
  if (!isObject(v)) return 'must be an object like {"secret": "...", "issuer": "..."}';
  for (const [k, value] of Object.entries(v)) {
    const problem = jwtKeyProblem(k, value);
    if (problem) return `.${k} ${problem}`;
  }
  const sources = ['secret', 'public_key', 'jwks_url'].filter((k) => k in v);
  if (sources.length !== 1) return `must set exactly one of "secret", "public_key", "jwks_url" (found ${sources.length ? sources.join(', ') : 'none'})`;
  const allowed: readonly string[] = 'secret' in v ? jwtAlgorithms.secret : jwtAlgorithms.publicKey;
  for (const a of (v.algorithms as unknown[] | undefined) ?? []) {
    if (typeof a !== 'string' || !allowed.includes(a)) return `.algorithms: ${JSON.stringify(a)} is not one of ${allowed.join(', ')} (usable with ${sources[0]})`;
  }
  return null;
};

const webhooks: Rule = (v) => {
  if (!Array.isArray(v)) return 'must be an array of {"url", "secret", "events"}';
  for (const [i, hook] of v.entries()) {
    if (!isObject(hook)) return `[${i}] must be an object`;
    for (const k of Object.keys(hook)) if (!['url', 'secret', 'events'].includes(k)) return `[${i}].${k} is not a known key`;
    if (!isHttpUrl(hook.url)) return `[${i}].url must be an http:// or https:// URL`;
    if (!nonEmpty(hook.secret)) return `[${i}].secret must be a non-empty string (batches are always signed)`;
    const events = hook.events;
    if (events !== undefined && (!Array.isArray(events) || !events.every((e) => (presenceKinds as readonly unknown[]).includes(e)))) {
      return `[${i}].events must be an array of ${presenceKinds.map((k) => `"${k}"`).join(', ')}`;
    }
  }
  return null;
};

/** The rules of the identity keys (merged into src/config/schema.ts's table). */
export const identityRules = {
  auth_url: (v: unknown) => (isHttpUrl(v) ? null : 'must be an http:// or https:// URL'),
  auth_secret: (v: unknown) => (nonEmpty(v) ? null : 'must be a non-empty string'),
  auth_url_timeout: (v: unknown) => (between(v, 0.01, 60, false) ? null : 'must be a number from 0.01 to 60'),
  auth_url_concurrency: (v: unknown) => (between(v, 1, 100000, true) ? null : 'must be an integer from 1 to 100000'),
  jwt,
  webhooks,
  webhook_queue: (v: unknown) => (between(v, 1, 10_000_000, true) ? null : 'must be an integer from 1 to 10000000'),
  webhook_timeout: (v: unknown) => (between(v, 0.01, 600, false) ? null : 'must be a number from 0.01 to 600'),
} satisfies Record<string, Rule>;
