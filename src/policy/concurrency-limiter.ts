/**
 * The one bound on costly work per node (password checks, auth_url calls): at
 * most `concurrent` tasks run at once, at most `queued` wait for a slot, and
 * one key (a peer address) holds at most `per_ip` of both. Beyond a bound the
 * answer is "busy" at once (the login answers 5105). Waiting tasks are served
 * round-robin across keys, so a flooding address waits behind itself, not
 * others behind it; a waiting task whose caller went away (its socket closed)
 * is dropped without running.
 */
import type { ConcurrencyLimits } from '../config/defaults.js';
import { CappedCounts } from './capped-counts.js';

/** What became of a task: it ran (with its value), or it did not (busy: over a bound; dropped: its caller went away while it waited). */
export type Limited<T> = { readonly ran: true; readonly value: T } | { readonly ran: false; readonly why: 'busy' | 'dropped' };

/** Outcome label of each task, for a metric. */
export type LimitedOutcome = 'run' | 'busy' | 'dropped';

interface Waiter {
  readonly wanted: () => boolean;
  readonly go: (run: boolean) => void;
}

/** Runs tasks within ConcurrencyLimits. */
export class ConcurrencyLimiter {
  private running = 0;
  private queuedCount = 0;
  /** Waiters by key; the Map's order is the round-robin order of keys. */
  private readonly queues = new Map<string, Waiter[]>();
  private readonly perKey: CappedCounts;

  constructor(
    private readonly limits: Readonly<ConcurrencyLimits>,
    private readonly counted: (outcome: LimitedOutcome) => void = () => {},
  ) {
    this.perKey = new CappedCounts(limits.per_ip);
  }

  /** Tasks running now. */
  get active(): number {
    return this.running;
  }

  /** Tasks waiting for a slot now. */
  get waiting(): number {
    return this.queuedCount;
  }

  /**
   * Runs `task` for `key` when a slot is free. `wanted` is asked before a
   * waiting task starts (and when the queue is full): false drops it.
   */
  async run<T>(key: string, wanted: () => boolean, task: () => Promise<T>): Promise<Limited<T>> {
    if (this.queueFull()) this.prune();
    if (this.perKey.full(key) || this.queueFull()) return this.end({ ran: false, why: 'busy' });
    const giveBack = this.perKey.take(key);
    try {
      if (this.running < this.limits.concurrent) this.running++;
      else if (!(await this.wait(key, wanted))) return this.end({ ran: false, why: 'dropped' });
      this.counted('run');
      try {
        return { ran: true, value: await task() };
      } finally {
        this.release();
      }
    } finally {
      giveBack();
    }
  }

  private queueFull(): boolean {
    return this.running >= this.limits.concurrent && this.queuedCount >= this.limits.queued;
  }

  /** Queues a waiter under `key`; resolves true when it may run (its slot already counted), false when dropped. */
  private wait(key: string, wanted: () => boolean): Promise<boolean> {
    return new Promise<boolean>((go) => {
      const queue = this.queues.get(key);
      if (queue) queue.push({ wanted, go });
      else this.queues.set(key, [{ wanted, go }]);
      this.queuedCount++;
    });
  }

  private end<T>(result: Limited<T> & { ran: false }): Limited<T> {
    this.counted(result.why);
    return result;
  }

  /** Drops the waiters nobody wants any more. */
  private prune(): void {
    for (const [key, queue] of this.queues) {
      const kept: Waiter[] = [];
      for (const w of queue) {
        if (w.wanted()) kept.push(w);
        else w.go(false);
      }
      this.queuedCount -= queue.length - kept.length;
      if (kept.length) this.queues.set(key, kept);
      else this.queues.delete(key);
    }
  }

  /** The first waiter of the next key in turn; that key moves to the back of the turn. */
  private next(): Waiter | undefined {
    const first = this.queues.entries().next();
    if (first.done) return undefined;
    const [key, queue] = first.value;
    const w = queue.shift()!;
    this.queues.delete(key);
    if (queue.length) this.queues.set(key, queue);
    this.queuedCount--;
    return w;
  }

  /** A task finished: its slot goes to the next waiter still wanted, or is freed. */
  private release(): void {
    for (let w = this.next(); w; w = this.next()) {
      if (w.wanted()) return w.go(true);
      w.go(false);
    }
    this.running--;
  }
}
