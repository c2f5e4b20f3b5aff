/**
 * The bound on password checks of one node (issue 10 defect 4): each scrypt
 * check of the users file goes through one ConcurrencyLimiter, so a flood of
 * wrong passwords cannot queue checks without limit, cannot make logins from
 * other addresses wait behind it, and leaves nothing running for sockets that
 * closed. Token logins never come here.
 */
import { Counter, Gauge, type Registry } from 'prom-client';
import type { ConcurrencyLimits } from '../config/defaults.js';
import { ErrorCode, failure } from '../errors.js';
import { ConcurrencyLimiter } from '../policy/concurrency-limiter.js';
import { refuse, type AuthOutcome, type Authenticator, type Credentials } from './authenticator.js';

const busy = refuse(failure(ErrorCode.FREQ_LIMIT, 'too many password checks in flight, retry later'), 'checks_busy');
const dropped = refuse(failure(ErrorCode.UNDEFINED, 'socket closed'), 'socket_closed');

/** A password strategy behind the node's bound on checks (tim.json `password_checks`). */
export class PasswordChecks implements Authenticator {
  private readonly limiter: ConcurrencyLimiter;

  constructor(private readonly checks: Authenticator, limits: Readonly<ConcurrencyLimits>, metrics: Registry) {
    const outcomes = new Counter({
      name: 'tim_password_checks_total',
      help: 'Password checks by outcome: run, busy (refused with 5105 over a bound), dropped (its socket closed while it waited)',
      labelNames: ['outcome'],
      registers: [metrics],
    });
    for (const outcome of ['run', 'busy', 'dropped']) outcomes.labels({ outcome }).inc(0);
    this.limiter = new ConcurrencyLimiter(limits, (outcome) => outcomes.inc({ outcome }));
    const limiter = this.limiter;
    new Gauge({ name: 'tim_password_checks_running', help: 'Password checks running now', registers: [metrics], collect() { this.set(limiter.active); } });
    new Gauge({ name: 'tim_password_checks_waiting', help: 'Password checks waiting for a slot now', registers: [metrics], collect() { this.set(limiter.waiting); } });
  }

  async authenticate(c: Credentials, now: number): Promise<AuthOutcome> {
    const result = await this.limiter.run(c.ip, c.live ?? (() => true), () => this.checks.authenticate(c, now));
    if (result.ran) return result.value;
    return result.why === 'busy' ? busy : dropped;
  }
}
