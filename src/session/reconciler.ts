/**
 * The background reconciliation of cluster mode: walks every account key of
 * every master with SCAN (a small COUNT, a pause between batches, never on a
 * request path) and settles each account's share of the counters and node
 * indexes against its hashes, dropping expired resume tokens on the way and
 * removing the sessions of nodes that hold no lease (orphans, which no
 * reaper would find); around the walk over a master, its slots' counters are
 * recounted (src/session/recount.ts). One pass starts every `intervalMs` on
 * each node, and runs only where the cluster-wide lock is free; nothing else
 * in the gateway scans the table.
 */
import type { Logger } from 'pino';
import type { Redis } from 'ioredis';
import type { RedisClient } from './redis-connect.js';
import type { OrphanRule, RedisIndex } from './redis-index.js';
import type { RedisKeys } from './redis-keys.js';
import { CounterRecount } from './recount.js';
import { scripts } from './redis-script.js';

/** How long the lock of a pass holds without a step renewing it (a node that died mid-pass frees it then). */
const LOCK_MS = 30_000;

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
  private readonly recount: CounterRecount;

  constructor(
    private readonly client: RedisClient,
    private readonly keys: RedisKeys,
    /** This node's gateway id: the owner of the lock while it runs a pass. */
    private readonly owner: string,
    private readonly index: RedisIndex,
    private readonly pace: ReconcilerPace,
    private readonly log: Logger,
    private readonly hooks: ReconcilerHooks,
  ) {
    this.recount = new CounterRecount(client, keys);
  }

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
    if (!(await this.hold(LOCK_MS))) return; // another node's pass is under way
    try {
      let accounts = 0;
      for (const { node, slots } of this.recount.nodes()) {
        const recount = await this.recount.begin(node, slots, `${this.owner} ${Date.now()}`);
        const walked = await this.walkNode(node);
        if (walked === null) return;
        accounts += walked;
        const fixes = await this.recount.end(recount);
        if (fixes.length) this.log.warn({ fixes: fixes.slice(0, 20), count: fixes.length }, 'table counters had drifted from the table: recounted');
      }
      this.log.debug({ accounts }, 'reconciliation pass done');
    } finally {
      await this.hold(0);
    }
  }

  /** SCANs one master, settling the accounts found; returns how many, or null when stopped or the lock was lost. */
  private async walkNode(node: Redis): Promise<number | null> {
    let accounts = 0;
    let cursor = '0';
    do {
      if (this.stopped || !(await this.hold(LOCK_MS))) return null;
      const step = await this.index.reconcileStep(node, cursor, this.pace.count, await this.hooks.orphans());
      if (step.orphans.length) {
        this.log.warn({ sessions: step.orphans.length }, 'removed sessions of a node that holds no lease');
        await this.hooks.reaped(step.orphans);
      }
      accounts += step.accounts;
      cursor = step.cursor;
      await new Promise((r) => setTimeout(r, this.pace.pauseMs).unref());
    } while (cursor !== '0');
    return accounts;
  }

  /** Takes or renews the cluster-wide lock of a pass for `ms` (0: gives it up); false when another node holds it. */
  private async hold(ms: number): Promise<boolean> {
    return (await scripts.hold.run(this.client, [this.keys.reconcileLock], [this.owner, ms])) === 1;
  }

  /** Stops the passes and waits for the one under way to stop at its next batch. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    await this.running;
  }
}
