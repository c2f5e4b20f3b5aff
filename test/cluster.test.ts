/** The cluster suite (test/cluster-suite.ts) on one redis-server. */
import { describe } from 'vitest';
import { clusterSuite } from './cluster-suite.js';
import { RedisServer, redisSuitesEnabled } from './support/redis-server.js';

let redis: RedisServer | undefined;

describe.skipIf(!redisSuitesEnabled())('cluster mode (3 gateway processes, one redis-server)', () => {
  clusterSuite({
    start: async () => {
      redis = await RedisServer.start();
      return { url: redis.url };
    },
    stop: async () => {
      await redis?.stop();
    },
    single: () => redis!,
  });
});
