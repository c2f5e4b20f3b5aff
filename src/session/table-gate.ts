/**
 * The bound on one node's writes in flight on a networked session table
 * (cluster mode): at most `concurrent` scripts of one kind (logins, or the
 * removals of closed sockets) on Redis at once; the others wait here in
 * arrival order, at most `queued` of them, and a login at most `maxWaitMs`
 * (auth_timeout: past it the login answers 5104). A burst (the reconnect storm after a node dies, a
 * load balancer dropping every socket) so waits in the node instead of in
 * Redis, where its tail passed command_timeout and failed: a login answered
 * 5104, was withdrawn (one more script) and came back on the client's retry,
 * work done two or three times over at the moment Redis was busiest; a
 * removal went to the retry queue, which overflowed at a mass close and left
 * thousands of sessions to the node's rejoin.
 */
import { redisDefaults, type RedisOptions } from '../config/defaults.js';
import type { Limited } from '../policy/concurrency-limiter.js';

/** The bounds of a gate from the `redis` keys write_concurrency and write_queue. */
export function gateLimits(redis: RedisOptions): { concurrent: number; queued: number } {
  return { concurrent: redis.write_concurrency ?? redisDefaults.write_concurrency, queued: redis.write_queue ?? redisDefaults.write_queue };
}

interface Waiter {
  readonly wanted: () => boolean;
  /** Resolves the wait: run (a slot is its own now), or not. */
  readonly go: (outcome: 'run' | 'busy' | 'dropped') => void;
  done: boolean;
}

/** A FIFO bound on concurrent tasks, with an optional bound on the wait. */
export class TableGate {
  private running = 0;
  private readonly queue: Waiter[] = [];
  /** Index of the first waiter of `queue` not yet dequeued. */
  private head = 0;
  /** Waiters of `queue` past `head` already answered busy by their wait bound (they no longer count). */
  private stale = 0;

  /** `maxWaitMs` absent: a task waits for its turn however long that takes. */
  constructor(readonly limits: { readonly concurrent: number; readonly queued: number; readonly maxWaitMs?: number }) {}

  /** Tasks running now. */
  get active(): number {
    return this.running;
  }

  /** Tasks waiting now. */
  get waiting(): number {
    return this.queue.length - this.head - this.stale;
  }

  /**
   * Runs `task` when a slot is free: at once, or after waiting its turn.
   * Busy when `queued` already wait or the wait passed `maxWaitMs`; dropped
   * when `wanted` says no (its socket closed) as its turn comes.
   */
  async run<T>(wanted: () => boolean, task: () => Promise<T>): Promise<Limited<T>> {
    if (this.running < this.limits.concurrent && this.head === this.queue.length) this.running++;
    else {
      const outcome = await this.wait(wanted);
      if (outcome !== 'run') return { ran: false, why: outcome };
    }
    try {
      return { ran: true, value: await task() };
    } finally {
      this.release();
    }
  }

  private wait(wanted: () => boolean): Promise<'run' | 'busy' | 'dropped'> {
    if (this.waiting >= this.limits.queued) return Promise.resolve('busy');
    // while nothing finishes (Redis frozen), timed-out waiters pile up in the array: dropped once they are half of it
    if (this.stale > 1024 && this.stale * 2 > this.queue.length - this.head) this.compact();
    return new Promise((resolve) => {
      const { maxWaitMs } = this.limits;
      const timer =
        maxWaitMs === undefined
          ? undefined
          : setTimeout(() => {
              w.go('busy');
              this.stale++;
            }, maxWaitMs);
      const w: Waiter = {
        wanted,
        done: false,
        go: (outcome) => {
          if (w.done) return;
          w.done = true;
          clearTimeout(timer);
          resolve(outcome);
        },
      };
      this.queue.push(w);
    });
  }

  /** Moves the waiters still waiting to the front of the array, forgetting the dequeued and the timed-out ones. */
  private compact(): void {
    let n = 0;
    for (let i = this.head; i < this.queue.length; i++) {
      const w = this.queue[i]!;
      if (!w.done) this.queue[n++] = w;
    }
    this.queue.length = n;
    this.head = 0;
    this.stale = 0;
  }

  /** A task ended: its slot goes to the next waiter still waiting and wanted, or is freed. */
  private release(): void {
    while (this.head < this.queue.length) {
      const w = this.queue[this.head++]!;
      if (w.done) {
        this.stale--;
        continue;
      }
      if (w.wanted()) {
        w.go('run');
        this.trim();
        return;
      }
      w.go('dropped');
    }
    this.trim();
    this.running--;
  }

  /** Drops the dequeued front of the array now and then (it is only read from `head` on). */
  private trim(): void {
    if (this.head === this.queue.length) {
      this.queue.length = 0;
      this.head = 0;
    } else if (this.head > 1024 && this.head * 2 > this.queue.length) this.compact();
  }
}

/** Runs `task` through `gate`, or straight away where there is none (embedded mode: its table answers in-process). */
export function throughGate<T>(gate: TableGate | null, wanted: () => boolean, task: () => Promise<T>): Promise<Limited<T>> {
  return gate ? gate.run(wanted, task) : task().then((value) => ({ ran: true as const, value }));
}
