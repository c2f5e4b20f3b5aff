/**
 * The client heartbeat as one timer and a sweep: each interval is cut into
 * ticks of about TICK_MS, and each tick visits the next slice of the sockets
 * (1/ticks of those open now), so the pings of N sockets go out N/ticks at a
 * time, spread over the interval, instead of N at once (and without a timer
 * per socket). A turn visits every socket once and lasts at least the
 * interval: sockets that arrive during a turn are visited later in that turn,
 * at the same pace (a turn that began with few sockets and ends with 19,000
 * does not ping the newcomers in one burst). The end of each turn runs the
 * per-interval work (the reconcile with the session table).
 */

/** Milliseconds between two ticks (a 30 s interval is swept in 300 slices). */
const TICK_MS = 100;

/** Visits the members of a live set, a slice per tick, each once per turn of at least the interval. */
export class HeartbeatSweep<T> {
  private readonly timer: NodeJS.Timeout;
  private readonly ticks: number;
  /** Position in the current turn (null once every member was visited). */
  private cursor: Iterator<T> | null;
  /** Ticks since the current turn began. */
  private tick = 0;

  constructor(
    /** The members (sockets); they may come and go at any time, the sweep sees the set as it is. */
    private readonly members: ReadonlySet<T>,
    intervalMs: number,
    private readonly visit: (member: T) => void,
    /** Runs once at the end of every turn. */
    private readonly turned: () => void,
  ) {
    this.ticks = Math.max(1, Math.round(intervalMs / TICK_MS));
    this.cursor = members.values();
    this.timer = setInterval(() => this.step(), intervalMs / this.ticks);
    this.timer.unref();
  }

  /**
   * One tick: visits the next 1/ticks of the members open now (at least one,
   * so that an empty set ends its turn); once all were visited and the
   * interval has passed, the turn ends and the next one begins.
   */
  private step(): void {
    this.tick++;
    const slice = Math.max(1, Math.ceil(this.members.size / this.ticks));
    for (let i = 0; i < slice && this.cursor; i++) {
      const next = this.cursor.next();
      if (next.done) this.cursor = null;
      else this.visit(next.value);
    }
    if (this.cursor || this.tick < this.ticks) return;
    this.tick = 0;
    this.cursor = this.members.values();
    this.turned();
  }

  /** Stops the sweep. */
  stop(): void {
    clearInterval(this.timer);
  }
}
