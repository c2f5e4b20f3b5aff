/**
 * The store seam of a gateway node: what both modes give it (Store), and its
 * membership of the gateway nodes (Membership: lease, reaping and rejoin in
 * cluster mode; a node alone in embedded mode). createStore chooses the
 * embedded in-memory store or (when `redis` is set in tim.json) cluster
 * mode's (src/session/cluster-store.ts; README, "Cluster mode").
 */
import type { Logger } from 'pino';
import type { JwtRevocations } from '../auth/jwt-revocations.js';
import type { Clock } from '../clock.js';
import type { Config } from '../config/defaults.js';
import type { Bus } from './bus.js';
import type { LostPlace, NodeView } from './cluster-registry.js';
import { createEmbeddedStore } from './embedded-store.js';
import type { SessionInfo, SessionRegistry } from './registry.js';
import type { TokenIndex } from './token-index.js';

/** What the store needs from the gateway it serves. */
export interface StoreHooks {
  /** The sessions of this node's logged-in sockets, now. */
  liveSessions(): SessionInfo[];
  /**
   * A live session lost its place while this node was cut off from the
   * cluster (`revoked`: it was logged out or its account blocked meanwhile): close its socket.
   */
  lostPlace(s: SessionInfo, reason: LostPlace['reason']): void;
}

/** This node's place among the gateway nodes that share its session table. */
export interface Membership {
  /** Starts the background work of membership (cluster mode: the node lease, the reaper, the rejoin). */
  start(hooks: StoreHooks): Promise<void>;
  /** The nodes with their session counts (the dashboard's node list); `expires` 0 = no lease (embedded mode). */
  nodes(): Promise<NodeView[]>;
  /**
   * Removes every session the table still lists for this node (its shutdown
   * after its sockets closed, or a start that failed). Embedded mode has
   * nothing to remove: its sessions go with their sockets.
   */
  leave(): Promise<void>;
  /** Whether the session table answers at `now` (ms): always in embedded mode; in cluster mode, the lease was renewed within half its TTL. */
  reachable(now: number): boolean;
}

/** The session table, bus, JWT revocations and resume-token index of a gateway node, in either mode. */
export interface Store {
  readonly mode: 'embedded' | 'cluster';
  readonly registry: SessionRegistry;
  readonly bus: Bus;
  /** Revoked JWTs (cluster mode: shared in Redis). */
  readonly revocations: JwtRevocations;
  /** The ssid → account pointers of resume tokens. */
  readonly tokenIndex: TokenIndex;
  readonly membership: Membership;
  /** Releases the store after registry.close() and bus.close() (cluster mode: lease and connections). */
  close(): Promise<void>;
}

/** Builds the store for a config; `clock` is the time of the memory registry and of presence events. */
export async function createStore(config: Config, gatewayId: string, log: Logger, clock: Clock = Date.now): Promise<Store> {
  // imported only in cluster mode: an embedded gateway does not load ioredis (a quarter of its start-up CPU)
  if (config.redis) return (await import('./cluster-store.js')).createClusterStore(config, config.redis, gatewayId, log, clock);
  return createEmbeddedStore(gatewayId, { clock });
}
