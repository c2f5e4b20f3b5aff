/**
 * Password hashes: scrypt from node:crypto, salted, with its parameters inside
 * the hash string (`scrypt$N$r$p$salt$hash`, base64url), so they can be raised
 * later without breaking stored hashes. Hashing runs on libuv's thread pool and
 * never blocks the event loop; comparison is constant-time.
 */
import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';

/** scrypt cost parameters of new hashes: N=2^14, r=8, p=1 (about 16 MiB and tens of ms per hash). */
export const hashParams = { N: 16384, r: 8, p: 1, keylen: 32, saltBytes: 16 } as const;

function scryptAsync(pwd: string, salt: Buffer, keylen: number, opts: ScryptOptions): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    scrypt(pwd, salt, keylen, { ...opts, maxmem: 256 * opts.N! * opts.r! }, (err, key) => (err ? reject(err) : resolve(key)));
  });
}

/** scrypt cost parameters: N (a power of 2), r, p, key and salt sizes in bytes. */
export type HashParams = { readonly [K in keyof typeof hashParams]: number };

/** Hashes a password with a fresh salt (`params` other than the default only for test and soak fixtures). */
export async function hashPassword(pwd: string, params: HashParams = hashParams): Promise<string> {
  const { N, r, p, keylen, saltBytes } = params;
  const salt = randomBytes(saltBytes);
  const key = await scryptAsync(pwd, salt, keylen, { N, r, p });
  return `scrypt$${N}$${r}$${p}$${salt.toString('base64url')}$${key.toString('base64url')}`;
}

interface ParsedHash {
  N: number;
  r: number;
  p: number;
  salt: Buffer;
  key: Buffer;
}

/** Parses a hash string; null when it is not one of ours (e.g. a plain-text password). */
export function parseHash(hash: string): ParsedHash | null {
  const m = /^scrypt\$(\d+)\$(\d+)\$(\d+)\$([A-Za-z0-9_-]+)\$([A-Za-z0-9_-]+)$/.exec(hash);
  if (!m) return null;
  const [N, r, p] = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (N < 2 || N > 2 ** 20 || (N & (N - 1)) !== 0 || r < 1 || r > 32 || p < 1 || p > 16) return null;
  const key = Buffer.from(m[5]!, 'base64url');
  if (key.length < 16 || key.length > 64) return null;
  return { N, r, p, salt: Buffer.from(m[4]!, 'base64url'), key };
}

/** A valid hash of a random password: checked against when the account is unknown, so timing does not tell. */
const decoyHash = `scrypt$${hashParams.N}$${hashParams.r}$${hashParams.p}$${randomBytes(16).toString('base64url')}$${randomBytes(32).toString('base64url')}`;

/**
 * True when `pwd` matches `hash`. With `hash` undefined (unknown account) the
 * work of a real check is still done and the answer is false.
 */
export async function verifyPassword(pwd: string, hash: string | undefined): Promise<boolean> {
  const parsed = parseHash(hash ?? decoyHash) ?? parseHash(decoyHash)!;
  const key = await scryptAsync(pwd, parsed.salt, parsed.key.length, { N: parsed.N, r: parsed.r, p: parsed.p });
  return timingSafeEqual(key, parsed.key) && hash !== undefined && parseHash(hash) !== null;
}
