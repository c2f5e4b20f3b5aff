/**
 * Chooses the session store: the embedded in-memory table, or (when `redis` is
 * set in tim.json) cluster mode's shared table, bus and node lease
 * (src/session/cluster-store.ts; README, "Cluster mode").
 */
import type { Logger } from 'pino';
import { MemoryRevocations, type JwtRevocations } from '../auth/jwt-revocations.js';
import type { Config } from '../config/defaults.js';
import { LocalBus, type Bus } from './bus.js';
import type { LostPlace, NodeView } from './cluster-registry.js';
import { createClusterStore } from './cluster-store.js';
import { MemoryRegistry } from './memory-registry.js';
import type { SessionInfo, SessionRegistry } from './registry.js';
import { MemoryTokenIndex, type TokenIndex } from './token-index.js';

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

/** The registry and bus a gateway node works with. */
export interface Store {
  readonly registry: SessionRegistry;
  readonly bus: Bus;
  readonly mode: 'embedded' | 'cluster';
  /** Revoked JWTs (cluster mode: shared in Redis); absent = kept in memory by the gateway. */
  readonly revocations?: JwtRevocations;
  /** The ssid → account pointers of resume tokens; absent = an in-memory one (stores built in tests). */
  readonly tokenIndex?: TokenIndex;
  /** Starts background work (cluster mode: the node lease and reaper); none in embedded mode. */
  start?(hooks: StoreHooks): Promise<void>;
  /** Cluster mode: the nodes of the lease table with their session counts (the dashboard's node list). */
  nodes?(): Promise<NodeView[]>;
  /**
   * Cluster mode: removes every session the shared table still lists for
   * this node (its shutdown after its sockets closed, or a start that failed).
   * The embedded table needs none: its sessions go with their sockets.
   */
  leave?(): Promise<void>;
  /** Releases the store after registry.close() and bus.close() (cluster mode: lease and connections). */
  close?(): Promise<void>;
}

/** Builds the store for a config. */
export async function createStore(config: Config, gatewayId: string, log: Logger): Promise<Store> {
  if (config.redis) return createClusterStore(config, config.redis, gatewayId, log);
  const tokenIndex = new MemoryTokenIndex();
  return { registry: new MemoryRegistry(), bus: new LocalBus(gatewayId), mode: 'embedded', revocations: new MemoryRevocations(), tokenIndex, close: async () => tokenIndex.close() };
}
