/**
 * The bound on password checks of one node (issue 10 defect 4): each scrypt
 * check of the users file goes through one ConcurrencyLimiter, so a flood of
 * wrong passwords cannot queue checks without limit, cannot make logins from
 * other addresses wait behind it, and leaves nothing running for sockets that
 * closed. Token logins never come here; operator sign-ins share the bound.
 */
import { Counter, Gauge, type Registry } from 'prom-client';
import type { ConcurrencyLimits } from '../config/defaults.js';
import { ErrorCode, failure } from '../errors.js';
import { ConcurrencyLimiter, type Limited } from '../policy/concurrency-limiter.js';
import { refuse, type AuthOutcome, type Authenticator, type Credentials } from './authenticator.js';

/** The answer to a password check beyond the bound (5105). */
export const checksBusy = failure(ErrorCode.FREQ_LIMIT, 'too many password checks in flight, retry later');
/** The answer to a check dropped because its caller went away (nobody reads it). */
export const checksDropped = failure(ErrorCode.UNDEFINED, 'socket closed');
const busy = refuse(checksBusy, 'checks_busy');
const dropped = refuse(checksDropped, 'socket_closed');

/**
 * The node's one bound on password checks (tim.json `password_checks`) with
 * its metrics: client password logins (PasswordChecks) and operator
 * sign-ins (src/session/operator-auth.ts) share it.
 */
export class PasswordCheckLimiter {
  private readonly limiter: ConcurrencyLimiter;
  private readonly outcomes: Counter;

  constructor(limits: Readonly<ConcurrencyLimits>, metrics: Registry) {
    const outcomes = (this.outcomes = new Counter({
      name: 'tim_password_checks_total',
      help: 'Password checks by outcome: run, busy (refused with 5105 over a bound), dropped (its socket closed while it waited)',
      labelNames: ['outcome'],
      registers: [metrics],
    }));
    for (const outcome of ['run', 'busy', 'dropped']) outcomes.labels({ outcome }).inc(0);
    this.limiter = new ConcurrencyLimiter(limits, (outcome) => outcomes.inc({ outcome }));
    const limiter = this.limiter;
    new Gauge({ name: 'tim_password_checks_running', help: 'Password checks running now', registers: [metrics], collect() { this.set(limiter.active); } });
    new Gauge({ name: 'tim_password_checks_waiting', help: 'Password checks waiting for a slot now', registers: [metrics], collect() { this.set(limiter.waiting); } });
  }

  /**
   * Runs one check for the peer `ip` within the bound. A check whose caller
   * went away (`live` false) is dropped: at once, or when its turn comes.
   */
  async run<T>(ip: string, live: () => boolean, check: () => Promise<T>): Promise<Limited<T>> {
    if (live()) return this.limiter.run(ip, live, check);
    this.outcomes.inc({ outcome: 'dropped' });
    return { ran: false, why: 'dropped' };
  }
}

/** A password strategy behind the node's bound on checks. */
export class PasswordChecks implements Authenticator {
  constructor(
    private readonly checks: Authenticator,
    private readonly limiter: PasswordCheckLimiter,
  ) {}

  async authenticate(c: Credentials, now: number): Promise<AuthOutcome> {
    const result = await this.limiter.run(c.ip, c.live ?? (() => true), () => this.checks.authenticate(c, now));
    if (result.ran) return result.value;
    return result.why === 'busy' ? busy : dropped;
  }
}
