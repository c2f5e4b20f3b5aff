/**
 * A small typed event emitter that runs in browsers and Node alike (the
 * client library must not import node:events).
 */

/** Listener lists by event name; `Events` maps each event name to its argument type. */
export class Emitter<Events extends object> {
  private readonly listeners = new Map<keyof Events, Set<(arg: never) => void>>();

  /** Calls `fn` on every `event` until `off`. */
  on<K extends keyof Events>(event: K, fn: (arg: Events[K]) => void): this {
    let set = this.listeners.get(event);
    if (!set) this.listeners.set(event, (set = new Set()));
    set.add(fn as (arg: never) => void);
    return this;
  }

  /** Stops calling `fn` on `event`. */
  off<K extends keyof Events>(event: K, fn: (arg: Events[K]) => void): this {
    this.listeners.get(event)?.delete(fn as (arg: never) => void);
    return this;
  }

  /** Calls `fn` on the next `event` only. */
  once<K extends keyof Events>(event: K, fn: (arg: Events[K]) => void): this {
    const wrapped = (arg: Events[K]): void => {
      this.off(event, wrapped);
      fn(arg);
    };
    return this.on(event, wrapped);
  }

  /** Calls the listeners of `event`; a listener that throws does not stop the others (the error is reported asynchronously). */
  protected emit<K extends keyof Events>(event: K, arg: Events[K]): void {
    for (const fn of [...(this.listeners.get(event) ?? [])]) {
      try {
        (fn as (arg: Events[K]) => void)(arg);
      } catch (err) {
        queueMicrotask(() => {
          throw err;
        });
      }
    }
  }
}
