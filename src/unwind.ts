/**
 * Start-up as a stack (fastify/avvio's pattern): each part that started
 * registers how to undo itself; when a later part fails, the ones before are
 * undone in reverse order and the first error is thrown.
 */
import type { Logger } from 'pino';

/** The undo steps of a start-up in progress. */
export class Unwind {
  private readonly steps: { readonly name: string; readonly undo: () => unknown }[] = [];

  constructor(private readonly log: Logger) {}

  /** Runs `start`, registering `undo` for its result once it succeeded. */
  async step<T>(name: string, start: () => T | Promise<T>, undo: (started: T) => unknown): Promise<T> {
    const started = await start();
    this.steps.push({ name, undo: () => undo(started) });
    return started;
  }

  /** Runs `build` (which may register steps); on failure undoes every registered step in reverse, then rethrows. */
  async run<T>(build: () => Promise<T>): Promise<T> {
    try {
      return await build();
    } catch (err) {
      for (const { name, undo } of this.steps.splice(0).reverse()) {
        try {
          await undo();
        } catch (e) {
          this.log.warn({ err: e, step: name }, 'could not undo a start-up step');
        }
      }
      throw err;
    }
  }
}
