/**
 * API keys of the HTTP API (PROTOCOL.md sections 13 and 14): `api_keys` holds
 * `{name, key: "sha256:HEX"}`, the SHA-256 of each key, never the key. A
 * presented key is hashed and compared with every stored hash in constant
 * time (src/session/operator-auth.ts). Wrong keys take from the same
 * per-address failure bucket (`admin_auth_failures`) as wrong ADMAUTH and
 * dashboard passwords: once empty, that address gets 5105 / 429 without a
 * check until it refills.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { TimFailure } from '../errors.js';
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

/** What checks a presented API key (the AdminService, whose OperatorAuth throttles every kind of operator credential). */
export interface ApiKeyChecker {
  /** The key's api_keys name; 4105 for an unknown key, 5105 while the address's failure bucket is empty. */
  checkApiKey(ip: string, presented: string): { readonly name: string } | TimFailure;
}

/** The authenticator of the configured API keys: a request's bearer key, checked by `checker`. */
export function apiKeyAuthenticator(checker: ApiKeyChecker): Authenticator {
  return (req, ip): Promise<Principal | TimFailure | null> => {
    const presented = bearer(req);
    if (presented === null) return Promise.resolve(null);
    const who = checker.checkApiKey(ip, presented);
    return Promise.resolve('code' in who ? who : { kind: 'api-key', name: who.name });
  };
}
