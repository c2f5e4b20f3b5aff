/**
 * Coalesces calls: `run()` starts the task at once if idle, otherwise once
 * more after the current run and at least `gapMs` after it started, however
 * many calls came in between (a burst of events costs one API call per gap).
 */
export class Coalescer {
  private running = false;
  private again = false;

  constructor(
    private readonly task: () => Promise<void>,
    private readonly gapMs: number,
  ) {}

  /** Asks for a run. */
  run(): void {
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = true;
    const started = Date.now();
    void this.task()
      .catch(() => {})
      .then(() => new Promise((r) => setTimeout(r, Math.max(0, this.gapMs - (Date.now() - started)))))
      .then(() => {
        this.running = false;
        if (this.again) {
          this.again = false;
          this.run();
        }
      });
  }
}
