/** Moved to test/support/redis-server.ts; this re-export goes once nothing imports it. */
export { redisAvailable, redisSuitesEnabled, RedisServer } from './support/redis-server.js';
export { freePort } from './support/free-port.js';
