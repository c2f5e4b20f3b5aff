/**
 * The work a shutdown waits for: logins in the table's hands and removals
 * under way. Once draining, new logins are refused before they reach the
 * table, so that none lands after the node removed its sessions.
 */

/** Tracks work under way and lets a shutdown wait until it has all settled. */
export class InFlight {
  private readonly work = new Set<Promise<unknown>>();
  /** True once drain() was called: no new login may go to the table. */
  draining = false;

  /** Tracks `work` until it settles; returns it. */
  track<T>(work: Promise<T>): Promise<T> {
    this.work.add(work);
    const done = (): void => void this.work.delete(work);
    work.then(done, done);
    return work;
  }

  /** Stops new logins and waits until everything tracked (also what is tracked meanwhile) has settled. */
  async drain(): Promise<void> {
    this.draining = true;
    while (this.work.size > 0) await Promise.allSettled([...this.work]);
  }
}
