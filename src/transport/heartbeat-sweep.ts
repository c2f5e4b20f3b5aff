/**
 * The client heartbeat as one timer and a sweep: each interval is cut into
 * ticks of about TICK_MS, and each tick visits the next slice of the sockets,
 * so every socket is visited once per interval and the pings of N sockets go
 * out N/ticks at a time, spread over the interval, instead of N at once (and
 * without a timer per socket). The end of each turn (once per interval) runs
 * the per-interval work (the reconcile with the session table).
 */

/** Milliseconds between two ticks (a 30 s interval is swept in 300 slices). */
const TICK_MS = 100;

/** Visits the members of a live set, a slice per tick, each once per interval. */
export class HeartbeatSweep<T> {
  private readonly timer: NodeJS.Timeout;
  private readonly ticks: number;
  /** Position in the current turn (null between turns). */
  private cursor: Iterator<T> | null = null;
  private tick = 0;
  /** Members visited in this turn, and the size of the set when it began. */
  private visited = 0;
  private turnSize = 0;

  constructor(
    /** The members (sockets); they may come and go at any time, the sweep sees the set as it is. */
    private readonly members: ReadonlySet<T>,
    intervalMs: number,
    private readonly visit: (member: T) => void,
    /** Runs once at the end of every turn. */
    private readonly turned: () => void,
  ) {
    this.ticks = Math.max(1, Math.round(intervalMs / TICK_MS));
    this.timer = setInterval(() => this.step(), intervalMs / this.ticks);
    this.timer.unref();
  }

  /**
   * One tick: visits members until this turn's share so far is reached
   * (tick k of n: k/n of the turn's starting size); the last tick of a turn
   * visits all that are left, also members added during the turn.
   */
  private step(): void {
    if (!this.cursor) {
      this.cursor = this.members.values();
      this.tick = 0;
      this.visited = 0;
      this.turnSize = this.members.size;
    }
    this.tick++;
    const last = this.tick >= this.ticks;
    const due = last ? Infinity : Math.ceil((this.tick * this.turnSize) / this.ticks);
    while (this.visited < due) {
      const next = this.cursor.next();
      if (next.done) break;
      this.visited++;
      this.visit(next.value);
    }
    if (!last) return;
    this.cursor = null;
    this.turned();
  }

  /** Stops the sweep. */
  stop(): void {
    clearInterval(this.timer);
  }
}
