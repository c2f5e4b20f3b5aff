/**
 * Chooses the session store: the embedded in-memory table, or (when `redis` is
 * set in tim.json) the shared Redis table and pub/sub bus of cluster mode.
 */
import type { Logger } from 'pino';
import type { Config } from '../config/defaults.js';
import { LocalBus, type Bus } from './bus.js';
import { MemoryRegistry } from './memory-registry.js';
import type { SessionRegistry } from './registry.js';

/** The registry and bus a gateway node works with. */
export interface Store {
  readonly registry: SessionRegistry;
  readonly bus: Bus;
  /** Live gateway nodes known to the store (1 in embedded mode). */
  readonly mode: 'embedded' | 'cluster';
}

/** Builds the store for a config. */
export async function createStore(config: Config, gatewayId: string, _log: Logger): Promise<Store> {
  if (config.redis) throw new Error('cluster mode (redis) is not built yet');
  return { registry: new MemoryRegistry(), bus: new LocalBus(gatewayId), mode: 'embedded' };
}
