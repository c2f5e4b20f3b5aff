/**
 * Revoked JWTs of cluster mode: one Redis key per revoked JWT under the
 * account's hash tag (`{domain:name}:j:<key>`), expiring with the JWT, so
 * every node sees it (the port: src/auth/jwt-revocations.ts).
 */
import type { Revocation } from '../auth/authenticator.js';
import type { JwtRevocations } from '../auth/jwt-revocations.js';
import type { RedisClient } from './redis-connect.js';
import { keyPart, type RedisKeys } from './redis-keys.js';

/** Revocations in Redis, shared by every node of the cluster. */
export class RedisRevocations implements JwtRevocations {
  constructor(private readonly client: RedisClient, private readonly keys: RedisKeys) {}

  private key(domain: string, name: string, key: string): string {
    return `${this.keys.prefix}${this.keys.tag(domain, name)}:j:${keyPart(key)}`;
  }

  async revoke(domain: string, name: string, r: Revocation, now: number): Promise<void> {
    if (r.expires <= now) return;
    await this.client.set(this.key(domain, name, r.key), '1', 'PX', r.expires - now);
  }

  async isRevoked(domain: string, name: string, key: string): Promise<boolean> {
    return (await this.client.exists(this.key(domain, name, key))) === 1;
  }
}
