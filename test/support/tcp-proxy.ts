/**
 * A loopback TCP proxy in front of a listener, whose connections a test can
 * cut at once: both sides see the connection drop without a close handshake
 * (a network failure), while the proxy keeps accepting new ones. It can also
 * hold back what the server answers to a given request (a slow network) until
 * released; a side's close (FIN) is passed on as it comes.
 */
import { connect, createServer, type Server, type Socket } from 'node:net';

/** A running proxy to 127.0.0.1:`targetPort`. */
export class TcpProxy {
  private readonly pairs = new Set<readonly [Socket, Socket]>();
  /** Once a client sends this, what the server sends it is held back (see holdAfter()). */
  private holdMarker: string | undefined;
  private readonly held = new Set<readonly [Socket, Socket]>();
  /** What clients sent since record() (latin1); null while not recording. */
  private recording: string | null = null;

  private constructor(private readonly server: Server) {}

  /** Starts a proxy on a free loopback port. */
  static start(targetPort: number): Promise<TcpProxy> {
    // half-open: a client's FIN reaches the server while the server's answers may still reach the client
    const server = createServer({ allowHalfOpen: true });
    const proxy = new TcpProxy(server);
    server.on('connection', (inbound) => {
      const outbound = connect(targetPort, '127.0.0.1');
      const pair = [inbound, outbound] as const;
      proxy.pairs.add(pair);
      const drop = (): void => {
        proxy.pairs.delete(pair);
        proxy.held.delete(pair);
        inbound.destroy();
        outbound.destroy();
      };
      for (const s of pair) s.on('error', drop).on('close', drop);
      inbound.on('data', (chunk: Buffer) => {
        if (proxy.recording !== null) proxy.recording += chunk.toString('latin1');
      });
      // (registered before the pipe: a request is seen before it goes out, so its answer cannot slip through)
      inbound.on('data', (chunk: Buffer) => {
        if (proxy.holdMarker === undefined || proxy.held.has(pair) || !chunk.toString('latin1').includes(proxy.holdMarker)) return;
        proxy.held.add(pair);
        outbound.unpipe(inbound);
        outbound.pause();
      });
      inbound.pipe(outbound).pipe(inbound);
    });
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve(proxy));
    });
  }

  /** Starts keeping what clients send (see recorded). */
  record(): void {
    this.recording = '';
  }

  /** What clients sent to the server since record(), as latin1 text. */
  get recorded(): string {
    return this.recording ?? '';
  }

  /** Its port. */
  get port(): number {
    return (this.server.address() as { port: number }).port;
  }

  /** How many connections it carries now. */
  get connections(): number {
    return this.pairs.size;
  }

  /** Cuts every connection it carries (both sides destroyed, no close frame); returns how many. */
  dropAll(): number {
    const n = this.pairs.size;
    for (const [a, b] of [...this.pairs]) {
      a.destroy();
      b.destroy();
    }
    this.pairs.clear();
    return n;
  }

  /** From now on, each connection whose client sends `marker` gets nothing more from the server until release(). */
  holdAfter(marker: string): void {
    this.holdMarker = marker;
  }

  /** How many connections are being held back. */
  get holding(): number {
    return this.held.size;
  }

  /** Delivers what was held back and lets server traffic flow again. */
  release(): void {
    this.holdMarker = undefined;
    for (const [inbound, outbound] of this.held) outbound.pipe(inbound);
    this.held.clear();
  }

  /** Stops accepting and cuts what is left. */
  close(): Promise<void> {
    this.dropAll();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}
