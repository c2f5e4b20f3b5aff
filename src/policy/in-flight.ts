/**
 * A bound on work in flight with no queue: beyond `max`, callers are refused
 * at once (the login answers 5105) rather than waiting in a queue that grows.
 */
export class InFlightLimit {
  private count = 0;

  constructor(readonly max: number) {}

  /** Calls in flight now. */
  get inFlight(): number {
    return this.count;
  }

  /** Runs `work` when a slot is free; returns `busy` at once when none is. */
  async run<T, B>(work: () => Promise<T>, busy: B): Promise<T | B> {
    if (this.count >= this.max) return busy;
    this.count++;
    try {
      return await work();
    } finally {
      this.count--;
    }
  }
}
