/**
 * Operator authentication (ADMAUTH, and any other front end that logs an
 * operator in): name and password against `admins`, with per-IP throttling of
 * failures.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { verifyPassword } from '../auth/password-hash.js';
import type { Config } from '../config/defaults.js';
import { ErrorCode, failure, type TimFailure } from '../errors.js';
import { TokenBuckets } from '../policy/token-bucket.js';

const digest = (s: string): Buffer => createHash('sha256').update(s, 'utf8').digest();

/** Checks operator credentials, one attempt per IP at a time. */
export class OperatorAuth {
  private readonly failures: TokenBuckets;
  /** Checks in progress per IP, chained: one at a time (bounded by the callers' connection limits). */
  private readonly queues = new Map<string, Promise<void>>();
  /** SHA-256 of each admin name with its password hash, compared in constant time. */
  private readonly admins: readonly { readonly name: Buffer; readonly pwd: string }[];

  constructor(config: Config) {
    this.failures = new TokenBuckets(config.admin_auth_failures);
    this.admins = config.admins.map((a) => ({ name: digest(a.name), pwd: a.pwd }));
  }

  /**
   * Checks an operator's name and password; null when they are right. An
   * unknown name costs the same as a wrong password (one scrypt either way).
   * Attempts from one IP are checked one at a time, each only while the IP's
   * failure bucket has a token (else 5105 without a check), so attempts made
   * at once cannot all be checked before the failures are counted.
   */
  authenticate(ip: string, name: string, pwd: string): Promise<TimFailure | null> {
    const run = (this.queues.get(ip) ?? Promise.resolve()).then(() => this.check(ip, name, pwd));
    const tail = run.then(
      () => {},
      () => {},
    );
    this.queues.set(ip, tail);
    void tail.then(() => {
      if (this.queues.get(ip) === tail) this.queues.delete(ip);
    });
    return run;
  }

  private async check(ip: string, name: string, pwd: string): Promise<TimFailure | null> {
    if (!this.failures.has(ip, Date.now())) return failure(ErrorCode.FREQ_LIMIT);
    const wanted = digest(name);
    let hash: string | undefined;
    for (const a of this.admins) if (timingSafeEqual(a.name, wanted) && hash === undefined) hash = a.pwd;
    if (await verifyPassword(pwd, hash)) return null;
    this.failures.take(ip, Date.now());
    return failure(ErrorCode.PERMISSION_DENIED);
  }
}
