import { MemoryRegistry } from '../src/session/memory-registry.js';
import { registryConformance } from './registry-conformance.js';

registryConformance('MemoryRegistry', async () => {
  const registry = new MemoryRegistry();
  return { registry, gatewayId: 'node-1', close: () => registry.close() };
});
