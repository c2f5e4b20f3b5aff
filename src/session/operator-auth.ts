/**
 * Operator authentication: name and password against `admins` (ADMAUTH, the
 * dashboard's sign-in) and the API keys of `api_keys` (the HTTP API, the
 * dashboard's sign-in with a key). Every wrong credential of either kind
 * takes a token from one per-address failure bucket (`admin_auth_failures`),
 * so an address gets one budget of guesses per refill whichever way it tries.
 * Password checks run within the node's bound on them (`password_checks`),
 * next to client logins: beyond it the answer is 5105 without a check.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { checksBusy, checksDropped, type PasswordCheckLimiter } from '../auth/password-checks.js';
import { verifyPassword } from '../auth/password-hash.js';
import type { Config } from '../config/defaults.js';
import { ErrorCode, failure, type TimFailure } from '../errors.js';
import { TokenBuckets } from '../policy/token-bucket.js';

const digest = (s: string): Buffer => createHash('sha256').update(s, 'utf8').digest();

/** The first entry whose digest equals `wanted`, every entry compared in constant time. */
function findDigest<T extends { readonly digest: Buffer }>(entries: readonly T[], wanted: Buffer): T | undefined {
  let found: T | undefined;
  for (const e of entries) if (timingSafeEqual(e.digest, wanted) && found === undefined) found = e;
  return found;
}

/** Checks operator credentials, one password check per IP at a time, failures of both kinds throttled together. */
export class OperatorAuth {
  private readonly failures: TokenBuckets;
  /** Checks in progress per IP, chained: one at a time (bounded by the callers' connection limits). */
  private readonly queues = new Map<string, Promise<void>>();
  /** SHA-256 of each admin name with its password hash. */
  private readonly admins: readonly { readonly digest: Buffer; readonly pwd: string }[];
  /** SHA-256 of each API key (api_keys holds `sha256:HEX`) with its name. */
  private readonly keys: readonly { readonly digest: Buffer; readonly name: string }[];

  constructor(
    config: Config,
    private readonly checks: PasswordCheckLimiter,
  ) {
    this.failures = new TokenBuckets(config.admin_auth_failures);
    this.admins = config.admins.map((a) => ({ digest: digest(a.name), pwd: a.pwd }));
    this.keys = config.api_keys.map((k) => ({ digest: Buffer.from(k.key.slice('sha256:'.length), 'hex'), name: k.name }));
  }

  /**
   * Checks an operator's name and password; null when they are right. An
   * unknown name costs the same as a wrong password (one scrypt either way).
   * Attempts from one IP are checked one at a time, each only while the IP's
   * failure bucket has a token (else 5105 without a check), so attempts made
   * at once cannot all be checked before the failures are counted. An attempt
   * whose caller went away (`live` false: its admin socket closed) while it
   * waited is dropped without a check.
   */
  authenticate(ip: string, name: string, pwd: string, live: () => boolean = () => true): Promise<TimFailure | null> {
    const run = (this.queues.get(ip) ?? Promise.resolve()).then(() => this.check(ip, name, pwd, live));
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

  /**
   * Checks a presented API key: the name of its api_keys entry, 4105 when no
   * entry has it, 5105 without a check while the IP's failure bucket is empty.
   * The check is synchronous, so concurrent attempts are counted one by one.
   */
  checkKey(ip: string, presented: string): { readonly name: string } | TimFailure {
    if (!this.failures.has(ip, Date.now())) return failure(ErrorCode.FREQ_LIMIT);
    const entry = findDigest(this.keys, digest(presented));
    if (entry) return { name: entry.name };
    this.failures.take(ip, Date.now());
    return failure(ErrorCode.PERMISSION_DENIED, 'permission denied: unknown API key');
  }

  private async check(ip: string, name: string, pwd: string, live: () => boolean): Promise<TimFailure | null> {
    if (!this.failures.has(ip, Date.now())) return failure(ErrorCode.FREQ_LIMIT);
    const verified = await this.checks.run(ip, live, () => verifyPassword(pwd, findDigest(this.admins, digest(name))?.pwd));
    if (!verified.ran) return verified.why === 'busy' ? checksBusy : checksDropped;
    if (verified.value) return null;
    this.failures.take(ip, Date.now());
    return failure(ErrorCode.PERMISSION_DENIED);
  }
}
