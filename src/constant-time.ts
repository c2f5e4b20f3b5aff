import { timingSafeEqual } from 'node:crypto';

/** True when two strings are equal, compared in time that depends only on their lengths. */
export function sameString(a: string, b: string): boolean {
  const x = Buffer.from(a, 'utf8');
  const y = Buffer.from(b, 'utf8');
  return x.length === y.length && timingSafeEqual(x, y);
}
