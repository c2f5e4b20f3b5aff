/**
 * The background reconciliation of cluster mode: walks every account key of
 * every master with SCAN (a small COUNT, a pause between batches, never on a
 * request path) and settles each account's share of the counters and node
 * indexes against its hashes, dropping expired resume tokens on the way and
 * removing the sessions of nodes that hold no lease (orphans, which no
 * reaper would find). One pass starts every `intervalMs`; nothing else in
 * the gateway scans the table.
 */
import type { Logger } from 'pino';
import { masters, type RedisClient } from './redis-connect.js';
import type { OrphanRule, RedisIndex } from './redis-index.js';

/** How the reconciliation paces itself. */
export interface ReconcilerPace {
  /** ms between the starts of two passes. */
  readonly intervalMs: number;
  /** SCAN COUNT of one batch. */
  readonly count: number;
  /** ms of pause between two batches. */
  readonly pauseMs: number;
}

/** What the reconciliation asks of the rest of the store. */
export interface ReconcilerHooks {
  /** The orphan rule as of now (read before each step). */
  orphans(): Promise<OrphanRule>;
  /** Orphans removed from the table (session JSON): forget and report them. */
  reaped(raws: readonly string[]): Promise<void>;
}

/** Runs passes of the reconciliation until stopped. */
export class Reconciler {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | null = null;
  private stopped = false;

  constructor(
    private readonly client: RedisClient,
    private readonly index: RedisIndex,
    private readonly pace: ReconcilerPace,
    private readonly log: Logger,
    private readonly hooks: ReconcilerHooks,
  ) {}

  /** Starts the periodic passes (the first one after one interval). */
  start(): void {
    this.timer = setInterval(() => void this.pass(), this.pace.intervalMs);
    this.timer.unref();
  }

  /** One whole pass over every master (concurrent calls share it); returns the accounts settled. */
  pass(): Promise<void> {
    this.running ??= this.walk()
      .catch((err: unknown) => this.log.warn({ err }, 'reconciliation pass failed; the next one retries'))
      .finally(() => (this.running = null));
    return this.running;
  }

  private async walk(): Promise<void> {
    let accounts = 0;
    for (const node of masters(this.client)) {
      let cursor = '0';
      do {
        if (this.stopped) return;
        const step = await this.index.reconcileStep(node, cursor, this.pace.count, await this.hooks.orphans());
        if (step.orphans.length) {
          this.log.warn({ sessions: step.orphans.length }, 'removed sessions of a node that holds no lease');
          await this.hooks.reaped(step.orphans);
        }
        accounts += step.accounts;
        cursor = step.cursor;
        await new Promise((r) => setTimeout(r, this.pace.pauseMs).unref());
      } while (cursor !== '0');
    }
    this.log.debug({ accounts }, 'reconciliation pass done');
  }

  /** Stops the passes and waits for the one under way to stop at its next batch. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    await this.running;
  }
}
