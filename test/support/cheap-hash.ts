/**
 * Cheap password hashes for fixtures (tests, soak): real scrypt hashes in the
 * gateway's format, with N=1024 instead of 16384 (the cost parameters live in
 * the hash string), so hundreds of password logins cost milliseconds, not
 * seconds, on a busy machine. Never used for real accounts.
 */
import { hashPassword, hashParams } from '../../src/auth/password-hash.js';

/** The fixture cost: 1 MiB and about a millisecond per check. */
export const cheapHashParams = { ...hashParams, N: 1024 } as const;

/** A cheap scrypt hash of `pwd`, accepted by verifyPassword like any other. */
export function cheapHash(pwd: string): Promise<string> {
  return hashPassword(pwd, cheapHashParams);
}
