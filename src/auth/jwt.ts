/**
 * Strategy: JWTs issued by the application's login service (PROTOCOL.md
 * section 11), verified with jose against a shared secret, a PEM public key
 * or a remote JWKS (cached, with a cooldown between refetches). `exp` is
 * required, `sub` must be the AUTH name and the domain claim its domain; a
 * revoked JWT (its session was kicked or logged out) is refused until it
 * expires. Every failure is 4115.
 */
import { createHash, createPublicKey, createSecretKey, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRemoteJWKSet, jwtVerify, type JWTPayload, type JWTVerifyGetKey } from 'jose';
import type { Config } from '../config/defaults.js';
import { jwtAlgorithms, type JwtOptions } from '../config/identity-options.js';
import { ConfigError, configPath } from '../config/load.js';
import { ErrorCode, failure } from '../errors.js';
import { accept, refuse, type AuthOutcome, type Authenticator, type Credentials, type Revocation } from './authenticator.js';
import { identityClaims } from './identity-claims.js';
import type { JwtRevocations } from './jwt-revocations.js';

/** Seconds between two JWKS fetches caused by an unknown `kid`. */
const JWKS_COOLDOWN_MS = 30_000;
/** Longest a fetched JWKS is used before it is fetched again. */
const JWKS_MAX_AGE_MS = 10 * 60_000;
/** Longest a JWKS fetch may take. */
const JWKS_TIMEOUT_MS = 5_000;

/** The key (or key resolver) of a `jwt` config; an unreadable PEM is a ConfigError naming jwt.public_key. */
function verificationKey(config: Config, o: JwtOptions): KeyObject | JWTVerifyGetKey {
  if (o.secret !== undefined) return createSecretKey(Buffer.from(o.secret, 'utf8'));
  if (o.jwks_url !== undefined) {
    return createRemoteJWKSet(new URL(o.jwks_url), { cooldownDuration: JWKS_COOLDOWN_MS, cacheMaxAge: JWKS_MAX_AGE_MS, timeoutDuration: JWKS_TIMEOUT_MS });
  }
  const file = configPath(config, o.public_key!);
  try {
    return createPublicKey(readFileSync(file, 'utf8'));
  } catch (e) {
    const why = (e as NodeJS.ErrnoException).code ?? (e as Error).message;
    throw new ConfigError(config.file, 'jwt.public_key', `names ${file}, which is not a readable PEM public key or certificate (${why})`);
  }
}

/**
 * What revokes a JWT: its jti, or without one the SHA-256 of what it signs
 * (header.payload); and its expiry. Not of the whole token: the signature's
 * text has spare bits in its last base64url character (and an ECDSA signature
 * a second valid form), so other texts of the same token verify too.
 */
function revocationOf(token: string, payload: JWTPayload): Revocation {
  const signed = token.slice(0, token.lastIndexOf('.'));
  const key = typeof payload.jti === 'string' && payload.jti !== '' ? `jti:${payload.jti}` : `sha256:${createHash('sha256').update(signed).digest('hex')}`;
  // whole ms, rounded down (an exp may have a fraction of a second): the stores' expiries are integers
  return { key, expires: Math.floor(payload.exp! * 1000) };
}

/** Verifies AUTH tokens that are JWTs. */
export class JwtAuthenticator implements Authenticator {
  private readonly key: KeyObject | JWTVerifyGetKey;
  private readonly algorithms: readonly string[];

  constructor(config: Config, private readonly options: JwtOptions, private readonly revocations: JwtRevocations) {
    this.key = verificationKey(config, options);
    this.algorithms = options.algorithms ?? (options.secret !== undefined ? jwtAlgorithms.secret : jwtAlgorithms.publicKey);
  }

  async authenticate(c: Credentials, now: number): Promise<AuthOutcome> {
    const bad = refuse(failure(ErrorCode.ERROR_TOKEN), 'bad_token');
    const o = this.options;
    let payload: JWTPayload;
    try {
      const verifyOptions = {
        algorithms: [...this.algorithms],
        requiredClaims: ['exp'],
        clockTolerance: o.leeway ?? 30,
        currentDate: new Date(now),
        ...(o.issuer !== undefined ? { issuer: o.issuer } : {}),
        ...(o.audience !== undefined ? { audience: typeof o.audience === 'string' ? o.audience : [...o.audience] } : {}),
      };
      // two calls so TypeScript picks the overload that fits the key's kind
      ({ payload } = typeof this.key === 'function' ? await jwtVerify(c.token, this.key, verifyOptions) : await jwtVerify(c.token, this.key, verifyOptions));
    } catch {
      return bad;
    }
    const domain = payload[o.domain_claim ?? 'domain'] ?? '';
    if (payload.sub !== c.name || domain !== c.domain) return bad;
    const claims = identityClaims(payload);
    if (typeof claims === 'string') return bad;
    const revocation = revocationOf(c.token, payload);
    if (await this.revocations.isRevoked(c.domain, c.name, revocation.key, now)) return refuse(failure(ErrorCode.ERROR_TOKEN), 'revoked_token');
    return accept({ ...claims, revocation });
  }
}
