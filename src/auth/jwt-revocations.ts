/**
 * Revoked JWTs: a JWT whose session was kicked or logged out is refused
 * (4115) until its own expiry. Embedded mode keeps them in memory; cluster
 * mode in Redis (src/session/redis-revocations.ts), so every node sees them.
 */
import type { Revocation } from './authenticator.js';

/** Where revoked JWTs are kept. */
export interface JwtRevocations {
  /** Refuses the JWT `r.key` of the account until `r.expires` (ms). */
  revoke(domain: string, name: string, r: Revocation, now: number): Promise<void>;
  /** True while `key` of the account is revoked. */
  isRevoked(domain: string, name: string, key: string, now: number): Promise<boolean>;
}

/** Revocations kept by this node alone, at most `max` (beyond, the ones expiring first give way). */
export class MemoryRevocations implements JwtRevocations {
  private readonly until = new Map<string, number>();

  constructor(private readonly max = 1_000_000) {}

  async revoke(domain: string, name: string, r: Revocation, now: number): Promise<void> {
    if (r.expires <= now) return;
    if (this.until.size >= this.max) this.sweep(now);
    this.until.set(`${domain}\u0000${name}\u0000${r.key}`, r.expires);
  }

  async isRevoked(domain: string, name: string, key: string, now: number): Promise<boolean> {
    return (this.until.get(`${domain}\u0000${name}\u0000${key}`) ?? 0) > now;
  }

  /** Drops expired entries; if none had expired, the one expiring first. */
  private sweep(now: number): void {
    let first: [string, number] | null = null;
    for (const [k, exp] of this.until) {
      if (exp <= now) this.until.delete(k);
      else if (!first || exp < first[1]) first = [k, exp];
    }
    if (this.until.size >= this.max && first) this.until.delete(first[0]);
  }
}
