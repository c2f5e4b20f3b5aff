/**
 * Requests waiting for their reply, matched by reply type code in order (the
 * gateway answers a connection's frames in the order it received them), each
 * with a deadline. Shared by the client and the admin client.
 */

interface Waiting<F> {
  readonly types: readonly number[];
  readonly resolve: (frame: F) => void;
  readonly reject: (e: Error) => void;
}

/** The requests of one client waiting for replies of type F. */
export class ReplyQueue<F> {
  private waiting: Waiting<F>[] = [];

  /** `onTimeout` runs when a reply is late (the admin client then drops its socket). */
  constructor(
    private readonly timeoutMs: number,
    private readonly onTimeout: () => void = () => {},
  ) {}

  /** Calls `send`, then waits for the first reply of one of `types`; rejects after the deadline or when failAll runs. */
  wait(types: readonly number[], send: () => void): Promise<F> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiting = this.waiting.filter((w) => w !== entry);
        reject(new Error(`no reply of type ${types.join('/')} within ${this.timeoutMs} ms`));
        this.onTimeout();
      }, this.timeoutMs);
      const entry: Waiting<F> = {
        types,
        resolve: (f) => (clearTimeout(timer), resolve(f)),
        reject: (e) => (clearTimeout(timer), reject(e)),
      };
      this.waiting.push(entry);
      try {
        send();
      } catch (e) {
        this.waiting = this.waiting.filter((w) => w !== entry);
        entry.reject(e instanceof Error ? e : new Error(String(e)));
      }
    });
  }

  /** A reply of `type` arrived: resolves the oldest request waiting for that type. Returns false when none was. */
  deliver(type: number, frame: F): boolean {
    const i = this.waiting.findIndex((w) => w.types.includes(type));
    if (i < 0) return false;
    this.waiting.splice(i, 1)[0]!.resolve(frame);
    return true;
  }

  /** Fails every waiting request (the socket closed). */
  failAll(error: Error): void {
    for (const w of this.waiting.splice(0)) w.reject(error);
  }
}
