/** The cluster suite (test/cluster-suite.ts) on a Redis Cluster of 3 masters (`redis.cluster` seeds). */
import { describe } from 'vitest';
import { clusterSuite } from './cluster-suite.js';
import { redisSuitesEnabled } from './support/redis-server.js';
import { RedisClusterServers } from './support/redis-topologies.js';

let servers: RedisClusterServers | undefined;

describe.skipIf(!redisSuitesEnabled())('cluster mode (3 gateway processes, Redis Cluster of 3 masters)', () => {
  clusterSuite({
    start: async () => {
      servers = await RedisClusterServers.start(3);
      return { cluster: servers.seeds };
    },
    stop: async () => {
      await servers?.stop();
    },
  });
});
