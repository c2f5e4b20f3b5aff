/**
 * Log lines about a failing dependency (auth_url, a webhook), at most one per
 * interval: a dead service must not flood the logs. The next line says how
 * many were left out.
 */
import type { Logger } from 'pino';

/** Lines at most one per `intervalMs` (of either level). */
export class RateLimitedLog {
  private last = -Infinity;
  private suppressed = 0;

  /** `now`: the clock of the intervals (ms; the gateway's, injectable). */
  constructor(
    private readonly log: Logger,
    private readonly intervalMs = 1000,
    private readonly now: () => number = Date.now,
  ) {}

  /** Logs `fields` and `msg` at warn level unless a line was logged within the interval. */
  warn(fields: Record<string, unknown>, msg: string): void {
    this.line('warn', fields, msg);
  }

  /** The same at error level. */
  error(fields: Record<string, unknown>, msg: string): void {
    this.line('error', fields, msg);
  }

  private line(level: 'warn' | 'error', fields: Record<string, unknown>, msg: string): void {
    const now = this.now();
    if (now - this.last < this.intervalMs) {
      this.suppressed++;
      return;
    }
    this.last = now;
    this.log[level]({ ...fields, ...(this.suppressed ? { suppressed: this.suppressed } : {}) }, msg);
    this.suppressed = 0;
  }
}
