import { createHash } from 'node:crypto';

/** The stable account id sent in ACK `n`: unique per domain+name, the same on every node. */
export function accountId(domain: string, name: string): string {
  return createHash('sha256').update(domain).update('\u0000').update(name).digest('base64url').slice(0, 22);
}
