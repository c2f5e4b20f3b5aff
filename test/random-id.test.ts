/**
 * Ids and secrets come from a pool of CSPRNG bytes (src/auth/token.ts
 * randomId): every id has the bytes asked for, and no byte of the pool is
 * handed out twice, across refills and at every size.
 */
import { describe, expect, it } from 'vitest';
import { hashSecret, randomId } from '../src/auth/token.js';

describe('randomId', () => {
  it('gives ids of the size asked, all distinct, across several refills of the pool', () => {
    const sizes = [32, 12, 16, 32, 7, 32];
    const seen = new Set<string>();
    for (let i = 0; i < 3000; i++) {
      const bytes = sizes[i % sizes.length]!;
      const id = randomId(bytes);
      expect(id).toMatch(/^[A-Za-z0-9_-]+$/);
      expect(Buffer.from(id, 'base64url').length).toBe(bytes);
      seen.add(id);
    }
    expect(seen.size).toBe(3000);
  });

  it('no two consecutive ids share their bytes (a slice of the pool is used once)', () => {
    const ids = Array.from({ length: 600 }, () => Buffer.from(randomId(16), 'base64url'));
    const halves = new Set(ids.flatMap((b) => [b.subarray(0, 8).toString('hex'), b.subarray(8).toString('hex')]));
    expect(halves.size).toBe(1200);
  });

  it('an id larger than the pool is drawn on its own', () => {
    const id = randomId(5000);
    expect(Buffer.from(id, 'base64url').length).toBe(5000);
    expect(new Set(id).size).toBeGreaterThan(32);
  });

  it('refuses a size that is not a positive integer, and the pool goes on handing out fresh bytes', () => {
    for (const bad of [0, -1, 1.5, Number.NaN, Infinity]) expect(() => randomId(bad)).toThrow(RangeError);
    const after = new Set(Array.from({ length: 300 }, () => randomId(32)));
    expect(after.size).toBe(300);
    for (const id of after) expect(Buffer.from(id, 'base64url').length).toBe(32);
  });

  it('hashSecret is the hex SHA-256 of the secret', () => {
    expect(hashSecret('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });
});
