import { hash } from 'node:crypto';

/**
 * The stable account id sent in ACK `n`: unique per domain+name, the same on
 * every node. The domain is length-prefixed, so no pair of strings can
 * produce another pair's input (domain "a\0b" + name "c" vs "a" + "b\0c").
 */
export function accountId(domain: string, name: string): string {
  return hash('sha256', `${Buffer.byteLength(domain)}:${domain}${name}`, 'base64url').slice(0, 22);
}
