/**
 * The shapes of the tim.json keys that plug the gateway into the
 * application's identity (PROTOCOL.md sections 11, 12 and 14). Their defaults
 * are in src/config/defaults.ts, their rules in src/config/identity-rules.ts.
 */

/** `jwt`: how AUTH tokens that are JWTs are verified. Exactly one of secret, public_key, jwks_url. */
export interface JwtOptions {
  /** HMAC key (HS* algorithms). */
  readonly secret?: string;
  /** PEM file (public key or certificate), relative to tim.json (RS*, PS*, ES*, EdDSA). */
  readonly public_key?: string;
  /** URL of a JWKS, fetched and cached (with a cooldown between refetches). */
  readonly jwks_url?: string;
  /** Required `iss`, when set. */
  readonly issuer?: string;
  /** Required `aud` (one of), when set. */
  readonly audience?: string | readonly string[];
  /** Accepted `alg` values; default: HS256/384/512 with a secret, every asymmetric one otherwise. */
  readonly algorithms?: readonly string[];
  /** Claim holding the domain (absent = ""); default "domain". */
  readonly domain_claim?: string;
  /** Seconds of clock skew allowed on exp/nbf; default 30. */
  readonly leeway?: number;
}

/** One entry of `webhooks`. */
export interface WebhookOptions {
  /** http(s) URL the batches are POSTed to. */
  readonly url: string;
  /** HMAC key of X-Tim-Signature. */
  readonly secret: string;
  /** Event kinds posted; default all four. */
  readonly events?: readonly string[];
}

/** Every `alg` the gateway verifies, by key kind. */
export const jwtAlgorithms = {
  secret: ['HS256', 'HS384', 'HS512'],
  publicKey: ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA', 'Ed25519'],
} as const;
