/**
 * The client side of the reconnect storm (npm run bench:scale), in a load
 * worker: sessions held by the client library itself (TimClient, whose
 * reconnect resumes with the resume token after exponential backoff with full
 * jitter), behind a stand-in for a load balancer: the WebSocket constructor
 * sends a connection meant for a gateway known to be down to a random live one.
 */
import type { ClientOptions } from 'ws';
import { nodeWebSocket } from '../src/client/node-socket.js';
import { TimClient } from '../src/client/node.js';
import { ClientType } from '../src/protocol/type-codes.js';
import type { LaneAccount } from './load-worker.js';

/** Gateways the balancer no longer sends connections to. */
const down = new Set<string>();
let live: string[] = [];
const clients: TimClient[] = [];

/** What happened to the held sessions since they were opened. */
const status = {
  dropped: 0,
  /** Clients that resumed after the kill (each counted once). */
  reconnected: 0,
  /** Epoch ms of each client's first successful resume. */
  reconnectTimes: [] as number[],
  /** Sockets of clients that had come back and lost them again, by close code. */
  droppedAgain: {} as Record<string, number>,
  /** Refusals seen in ACKs while resuming, by error code. */
  refusals: {} as Record<string, number>,
  /** Clients that stopped reconnecting, by reason. */
  gaveUp: {} as Record<string, number>,
  /** What the first clients that gave up went through since the kill (HISTORIES at most): "attempt n" per reconnect attempt, "ACK code" per refusal. */
  histories: [] as string[][],
  /** Clients kicked (they do not reconnect), by reason. */
  kicked: {} as Record<string, number>,
};

/** Histories of clients that gave up kept in the status. */
const HISTORIES = 10;

/** Counts one more `key` in `tally`. */
const bump = (tally: Record<string, number>, key: string | number): void => void (tally[key] = (tally[key] ?? 0) + 1);

/** One WebSocket constructor per source address, routing around the gateways that are down. */
const routed = new Map<string, ReturnType<typeof nodeWebSocket>>();
function routedSocket(from: string): ReturnType<typeof nodeWebSocket> {
  let ctor = routed.get(from);
  if (!ctor) {
    const Base = nodeWebSocket({ ws: { localAddress: from, handshakeTimeout: 10_000 } satisfies ClientOptions });
    ctor = class RoutedWebSocket extends Base {
      constructor(url: string) {
        super(down.has(url) && live.length ? live[Math.floor(Math.random() * live.length)]! : url);
      }
    };
    routed.set(from, ctor);
  }
  return ctor;
}

interface HoldClientsArgs {
  readonly accounts: LaneAccount[];
  /** Where the clients log in first. */
  readonly urls: string[];
  /** Every gateway behind the balancer. */
  readonly pool: string[];
  readonly from: string[];
  readonly concurrency: number;
  /** Epoch ms after which no new login starts. */
  readonly until: number;
}

/** Logs each account in with its token through a TimClient (round-robin over urls and source addresses) and keeps it. */
async function holdClients(a: HoldClientsArgs): Promise<{ held: number; failures: number; firstError: string }> {
  live = a.pool.filter((u) => !down.has(u));
  let next = 0;
  let failures = 0;
  let firstError = '';
  await Promise.all(
    Array.from({ length: a.concurrency }, async () => {
      while (next < a.accounts.length && Date.now() < a.until) {
        const i = next++;
        const acc = a.accounts[i]!;
        const c = new TimClient(a.urls[i % a.urls.length]!, { WebSocket: routedSocket(a.from[i % a.from.length]!), reconnect: true });
        const history: string[] = [];
        let back = false;
        c.on('close', (e) => {
          if (e.reconnect) status.dropped++;
          if (back) bump(status.droppedAgain, e.code);
        });
        c.on('reconnecting', (e) => history.push(`attempt ${e.attempt}`));
        c.on('kicked', (e) => bump(status.kicked, e.reason));
        c.on('reconnected', () => {
          if (back) return;
          back = true;
          status.reconnected++;
          status.reconnectTimes.push(Date.now());
        });
        c.on('frame', (f) => {
          const code = f.type === ClientType.ACK ? (f.payload as { error?: { code?: number } }).error?.code : undefined;
          if (!code) return;
          bump(status.refusals, code);
          history.push(`ACK ${code}`);
        });
        c.on('reconnectFailed', (e) => {
          bump(status.gaveUp, e.reason);
          if (status.histories.length < HISTORIES) status.histories.push(history);
        });
        try {
          const ack = await c.login({ domain: acc.domain, name: acc.name, token: acc.token, resource: 'bench', termtyp: 1 });
          if (!ack.ok) throw new Error(`login refused: ${ack.error?.code}`);
          clients.push(c);
        } catch (e) {
          failures++;
          firstError ||= String(e);
          c.terminate();
        }
      }
    }),
  );
  return { held: clients.length, failures, firstError };
}

/** The balancer stops sending connections to `url`. */
function gatewayDown(a: { url: string }): void {
  down.add(a.url);
  live = live.filter((u) => u !== a.url);
}

/** Closes every client (no reconnect). */
async function releaseClients(): Promise<number> {
  const all = clients.splice(0);
  for (let i = 0; i < all.length; i += 500) await Promise.all(all.slice(i, i + 500).map((c) => c.close()));
  return all.length;
}

/** RPC handlers of the storm, merged into the load worker's. */
export const stormHandlers = {
  holdClients,
  gatewayDown,
  releaseClients,
  stormStatus: () => status,
};
