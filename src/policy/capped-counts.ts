/**
 * Counts of things held per key (a peer address, an account), with a cap per
 * key and one over all keys: the admission checks of the listeners and of
 * the password-check limiter.
 */
export class CappedCounts {
  private readonly counts = new Map<string, number>();
  private sum = 0;

  /** Each key may hold `perKey`, all keys together `total`. */
  constructor(
    private readonly perKey: number,
    private readonly total = Infinity,
  ) {}

  /** How many `key` holds. */
  of(key: string): number {
    return this.counts.get(key) ?? 0;
  }

  /** How many all keys hold. */
  get size(): number {
    return this.sum;
  }

  /** Why `key` may not take one more: 'key' (its own cap) or 'total'; null when it may. */
  full(key: string): 'key' | 'total' | null {
    if (this.of(key) >= this.perKey) return 'key';
    return this.sum >= this.total ? 'total' : null;
  }

  /** Counts one more for `key`. */
  add(key: string): void {
    this.counts.set(key, this.of(key) + 1);
    this.sum++;
  }

  /** Gives back one that `add` counted for `key` (the caller makes sure it gives each back once). */
  remove(key: string): void {
    this.sum--;
    const n = this.of(key) - 1;
    if (n <= 0) this.counts.delete(key);
    else this.counts.set(key, n);
  }

  /** Counts one more for `key`; returns the function that gives it back (calling it again does nothing). */
  take(key: string): () => void {
    this.add(key);
    let held = true;
    return () => {
      if (!held) return;
      held = false;
      this.remove(key);
    };
  }
}
