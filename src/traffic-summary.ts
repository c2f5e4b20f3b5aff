/**
 * The info-level heartbeat of a busy gateway: every `log_summary_interval`
 * seconds in which something happened, one line with the logins accepted and
 * refused, the sessions kicked and the client sockets open, read from the
 * node's metrics. Quiet intervals log nothing, so an idle gateway stays quiet
 * and a busy one never looks idle.
 */
import type { Logger } from 'pino';
import type { Metrics } from './metrics.js';

/** Counter totals at one instant. */
interface Totals {
  loginsOk: number;
  loginsRefused: number;
  kicks: number;
}

/** Logs a traffic summary line per busy interval until stopped. */
export class TrafficSummary {
  private readonly timer: NodeJS.Timeout | null;
  private last: Totals = { loginsOk: 0, loginsRefused: 0, kicks: 0 };
  private lastSockets = 0;

  /** Starts the timer (none when `intervalSeconds` is 0). */
  constructor(
    private readonly metrics: Metrics,
    private readonly log: Logger,
    private readonly intervalSeconds: number,
  ) {
    this.timer = intervalSeconds > 0 ? setInterval(() => void this.report(), intervalSeconds * 1000).unref() : null;
  }

  /** Logs the line for the interval just ended, when it saw logins, kicks or a change in open sockets. */
  async report(): Promise<void> {
    const now = await this.totals();
    const sockets = (await this.metrics.connections.get()).values[0]?.value ?? 0;
    const delta = { loginsOk: now.loginsOk - this.last.loginsOk, loginsRefused: now.loginsRefused - this.last.loginsRefused, kicks: now.kicks - this.last.kicks };
    const busy = delta.loginsOk + delta.loginsRefused + delta.kicks > 0 || sockets !== this.lastSockets;
    this.last = now;
    this.lastSockets = sockets;
    if (busy) this.log.info({ ...delta, sockets, seconds: this.intervalSeconds }, `traffic: ${delta.loginsOk} logins ok, ${delta.loginsRefused} refused, ${delta.kicks} kicks, ${sockets} sockets open`);
  }

  private async totals(): Promise<Totals> {
    const logins = (await this.metrics.logins.get()).values;
    const sum = (values: readonly { value: number }[]): number => values.reduce((n, v) => n + v.value, 0);
    return {
      loginsOk: sum(logins.filter((v) => v.labels.result === 'ok')),
      loginsRefused: sum(logins.filter((v) => v.labels.result !== 'ok')),
      kicks: sum((await this.metrics.kicks.get()).values),
    };
  }

  /** Stops the timer. */
  stop(): void {
    if (this.timer) clearInterval(this.timer);
  }
}
