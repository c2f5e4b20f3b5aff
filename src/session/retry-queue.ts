/**
 * Writes to the session table that it refused for now (Redis unreachable, or
 * the account's slot migrating) and that must still be made: the removal of a
 * closed socket's session, the withdrawal of a login this node gave up on, a
 * LOGOUT. Each is kept by key and retried on a short backoff timer until it
 * succeeds, or its attempt says it no longer matters. Bounded: beyond `max`
 * kept items a new one is dropped (reported), and the node's rejoin or the
 * reaper is left to settle it.
 */

/** How a retry queue paces itself. */
export interface RetryPace {
  /** Items kept at most. */
  readonly max: number;
  /** ms before the first retry, and after a round where everything succeeded. */
  readonly firstMs: number;
  /** ms between retries at most (the delay doubles after each round with a failure). */
  readonly maxMs: number;
}

/** Attempts made at once in one round. */
const ROUND_BATCH = 100;

/** A bounded set of writes retried until done. */
export class RetryQueue<T> {
  private readonly items = new Map<string, T>();
  private timer: NodeJS.Timeout | undefined;
  private delayMs: number;
  private round: Promise<void> | null = null;
  private stopped = false;

  constructor(
    /** Makes one write; resolves when it is done (or no longer needed), rejects to be retried. */
    private readonly attempt: (item: T) => Promise<void>,
    private readonly pace: RetryPace,
    /** An item the full queue could not keep. */
    private readonly dropped: (item: T) => void,
  ) {
    this.delayMs = pace.firstMs;
  }

  /** Items waiting for a retry. */
  get size(): number {
    return this.items.size;
  }

  /** Keeps `item` (replacing one of the same key) for a retry soon. */
  add(key: string, item: T): void {
    if (!this.items.has(key) && this.items.size >= this.pace.max) return this.dropped(item);
    this.items.set(key, item);
    this.schedule();
  }

  /** Tries every kept item once now (concurrent calls share the round); those that fail stay. */
  flush(): Promise<void> {
    this.round ??= this.runRound().finally(() => {
      this.round = null;
      this.schedule();
    });
    return this.round;
  }

  /** Stops retrying (shutdown): what is kept stays unwritten. */
  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  private async runRound(): Promise<void> {
    let failed = false;
    const batch = [...this.items];
    for (let i = 0; i < batch.length && !this.stopped; i += ROUND_BATCH) {
      await Promise.all(
        batch.slice(i, i + ROUND_BATCH).map(async ([key, item]) => {
          try {
            await this.attempt(item);
            if (this.items.get(key) === item) this.items.delete(key);
          } catch {
            failed = true;
          }
        }),
      );
    }
    this.delayMs = failed ? Math.min(this.delayMs * 2, this.pace.maxMs) : this.pace.firstMs;
  }

  private schedule(): void {
    if (this.stopped || this.timer || this.round || this.items.size === 0) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.flush();
    }, this.delayMs);
    this.timer.unref();
  }
}
