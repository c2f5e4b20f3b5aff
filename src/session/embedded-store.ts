/**
 * Embedded mode's store: the in-memory session table, the in-process bus, JWT
 * revocations and resume-token index in memory, and the membership of a node
 * alone (no lease, nothing to reap or rejoin: its sessions live and die with
 * the process).
 */
import { MemoryRevocations } from '../auth/jwt-revocations.js';
import type { Clock } from '../clock.js';
import { LocalBus } from './bus.js';
import type { NodeView } from './cluster-registry.js';
import { MemoryRegistry } from './memory-registry.js';
import type { SessionRegistry } from './registry.js';
import type { Membership, Store, StoreHooks } from './store.js';
import { MemoryTokenIndex } from './token-index.js';

/** What an embedded store may be given instead of its defaults. */
export interface EmbeddedStoreOptions {
  /** The time of its memory registry; default Date.now. */
  readonly clock?: Clock;
  /** The session table; default a MemoryRegistry on `clock` (tests pass their own to look into it). */
  readonly registry?: SessionRegistry;
}

/** The membership of a node alone: nothing to start or leave; the node list is itself. */
class SoleNode implements Membership {
  private live: StoreHooks['liveSessions'] = () => [];

  constructor(private readonly id: string) {}

  async start(hooks: StoreHooks): Promise<void> {
    this.live = () => hooks.liveSessions();
  }

  async nodes(): Promise<NodeView[]> {
    return [{ id: this.id, expires: 0, sessions: this.live().length }];
  }

  async leave(): Promise<void> {}

  reachable(): boolean {
    return true;
  }
}

/** Builds embedded mode's store for node `gatewayId`. */
export function createEmbeddedStore(gatewayId: string, options: EmbeddedStoreOptions = {}): Store {
  const tokenIndex = new MemoryTokenIndex();
  return {
    mode: 'embedded',
    registry: options.registry ?? new MemoryRegistry(options.clock),
    bus: new LocalBus(gatewayId),
    revocations: new MemoryRevocations(),
    tokenIndex,
    membership: new SoleNode(gatewayId),
    close: async () => tokenIndex.close(),
  };
}
