/**
 * API keys of the HTTP API (PROTOCOL.md sections 13 and 14): `api_keys` holds
 * `{name, key: "sha256:HEX"}`, the SHA-256 of each key, never the key. A
 * presented key is hashed and compared with every stored hash in constant
 * time. Wrong keys are throttled per address as ADMAUTH failures are (a token
 * bucket of `admin_auth_failures`): once empty, that address gets 5105 / 429
 * without a check until it refills.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Config } from '../config/defaults.js';
import { ErrorCode, failure, type TimFailure } from '../errors.js';
import { TokenBuckets } from '../policy/token-bucket.js';
import type { Authenticator, Principal } from './router.js';

const sha256 = (s: string): Buffer => createHash('sha256').update(s, 'utf8').digest();

/** A fresh 256-bit API key and its api_keys entry. */
export function newApiKey(name: string): { key: string; entry: { name: string; key: string } } {
  const key = `tim_${randomBytes(32).toString('base64url')}`;
  return { key, entry: { name, key: `sha256:${sha256(key).toString('hex')}` } };
}

/** The bearer credential of a request, or null when it has none. */
export function bearer(req: IncomingMessage): string | null {
  const m = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(req.headers.authorization ?? '');
  return m ? m[1]! : null;
}

/** The authenticator of the configured API keys. */
export function apiKeyAuthenticator(config: Config): Authenticator {
  const keys = config.api_keys.map((k) => ({ name: k.name, hash: Buffer.from(k.key.slice('sha256:'.length), 'hex') }));
  const failures = new TokenBuckets(config.admin_auth_failures);
  return async (req, ip): Promise<Principal | TimFailure | null> => {
    const presented = bearer(req);
    if (presented === null) return null;
    if (!failures.has(ip, Date.now())) return failure(ErrorCode.FREQ_LIMIT);
    const wanted = sha256(presented);
    let name: string | null = null;
    for (const k of keys) if (timingSafeEqual(k.hash, wanted) && name === null) name = k.name;
    if (name !== null) return { kind: 'api-key', name };
    failures.take(ip, Date.now());
    return failure(ErrorCode.PERMISSION_DENIED, 'permission denied: unknown API key');
  };
}
