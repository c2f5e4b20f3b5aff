/**
 * A loopback TCP proxy in front of a listener, whose connections a test can
 * cut at once: both sides see the connection drop without a close handshake
 * (a network failure), while the proxy keeps accepting new ones.
 */
import { connect, createServer, type Server, type Socket } from 'node:net';

/** A running proxy to 127.0.0.1:`targetPort`. */
export class TcpProxy {
  private readonly pairs = new Set<readonly [Socket, Socket]>();

  private constructor(private readonly server: Server) {}

  /** Starts a proxy on a free loopback port. */
  static start(targetPort: number): Promise<TcpProxy> {
    const server = createServer();
    const proxy = new TcpProxy(server);
    server.on('connection', (inbound) => {
      const outbound = connect(targetPort, '127.0.0.1');
      const pair = [inbound, outbound] as const;
      proxy.pairs.add(pair);
      const drop = (): void => {
        proxy.pairs.delete(pair);
        inbound.destroy();
        outbound.destroy();
      };
      for (const s of pair) s.on('error', drop).on('close', drop);
      inbound.pipe(outbound).pipe(inbound);
    });
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve(proxy));
    });
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

  /** Stops accepting and cuts what is left. */
  close(): Promise<void> {
    this.dropAll();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}
