/**
 * GET /api/v1/token-stats and POST /api/v1/cleanup-tokens over real HTTP
 * (PROTOCOL.md section 13, the reference "last login wins" admin screens):
 * live and stored token counts, expired tokens removed at once and counted,
 * in embedded mode, on one redis-server and on a Redis Cluster (where a
 * cleanup must not SCAN), and every error answer. Every JSON answer is
 * checked against /openapi.json.
 */
import { afterAll, describe, expect, it } from 'vitest';
import type { Gateway } from '../src/gateway.js';
import { loggedIn, waitFor } from './helpers.js';
import { api, apiGateway, expectError } from './http-helpers.js';
import { RedisServer, redisSuitesEnabled } from './support/redis-server.js';
import { RedisClusterServers, redisCli } from './support/redis-topologies.js';

/** Resume and login tokens live one second: the shortest resume_timeout and login token ttlSeconds. */
const SHORT = { resume_timeout: 1, token_timeout: 1 };

const tokenStats = async (gw: Gateway) => (await api(gw, 'GET', '/api/v1/token-stats')).json as { activeTokenCount: number; totalTokenCount: number };
const cleanup = async (gw: Gateway) => {
  const a = await api(gw, 'POST', '/api/v1/cleanup-tokens');
  expect(a.status, a.text).toBe(200);
  return a.json as { removed: number; timestamp: number };
};

/**
 * Two sessions on `a` and `b` (a resume token each, living a second) and two
 * login tokens (one living a second, one a minute); once the short ones
 * expired they are stored but not active, until a cleanup removes them.
 */
async function expiredTokensScenario(a: Gateway, b: Gateway): Promise<void> {
  // the long-lived token first: storing a login token drops the expired ones of its slot
  expect((await api(b, 'POST', '/api/v1/token', { body: { name: 'dave', ttlSeconds: 60 } })).status).toBe(200);
  await loggedIn(a, { name: 'alice' });
  await loggedIn(b, { name: 'bob', domain: 'acme' });
  expect((await api(a, 'POST', '/api/v1/token', { body: { name: 'carol' } })).status).toBe(200);
  // the short-lived tokens may expire any moment on a loaded machine: only the stored count is sure before
  const fresh = await tokenStats(a);
  expect(fresh.totalTokenCount).toBe(4);
  expect(fresh.activeTokenCount).toBeGreaterThanOrEqual(1);

  await waitFor(async () => (await tokenStats(b)).activeTokenCount === 1, 10_000, 'the short-lived tokens to expire');
  expect(await tokenStats(a)).toEqual({ activeTokenCount: 1, totalTokenCount: 4 });
  expect((await api(a, 'GET', '/api/v1/stats')).json).toMatchObject({ tokens: 1 });

  const before = Date.now();
  const done = await cleanup(b);
  expect(done.removed).toBe(3);
  expect(done.timestamp).toBeGreaterThanOrEqual(before);
  expect(done.timestamp).toBeLessThanOrEqual(Date.now());
  expect(await tokenStats(a)).toEqual({ activeTokenCount: 1, totalTokenCount: 1 });
  expect((await cleanup(a)).removed).toBe(0);
}

describe('token statistics and cleanup, embedded mode', () => {
  it('token-stats counts live and stored tokens; cleanup-tokens removes the expired ones now and says how many', async () => {
    const gw = await apiGateway(SHORT);
    await expiredTokensScenario(gw, gw);
  });

  it('401 without or with a wrong key, 405, 400 naming an unknown field or parameter, 415, 413', async () => {
    const gw = await apiGateway({ max_frame: 1024 });
    for (const [method, path] of [['GET', '/api/v1/token-stats'], ['POST', '/api/v1/cleanup-tokens']] as const) {
      expectError(await api(gw, method, path, { key: null }), 401, 4105, 'Bearer');
      expectError(await api(gw, method, path, { key: 'tim_wrong' }), 401, 4105, 'unknown API key');
    }
    const wrong = await api(gw, 'POST', '/api/v1/token-stats');
    expectError(wrong, 405, 4104);
    expect(wrong.headers.allow).toBe('GET');
    expectError(await api(gw, 'GET', '/api/v1/cleanup-tokens'), 405, 4104);
    expectError(await api(gw, 'GET', '/api/v1/token-stats?verbose=1'), 400, 4104, 'verbose');
    expectError(await api(gw, 'POST', '/api/v1/cleanup-tokens', { body: { limit: 5 } }), 400, 4104, 'limit');
    expectError(await api(gw, 'POST', '/api/v1/cleanup-tokens', { body: '[]' }), 400, 4113, 'JSON object');
    expectError(await api(gw, 'POST', '/api/v1/cleanup-tokens', { body: 'all', headers: { 'content-type': 'text/plain' } }), 415, 4113, 'application/json');
    expectError(await api(gw, 'POST', '/api/v1/cleanup-tokens', { body: { pad: 'x'.repeat(2000) } }), 413, 4114, '1024');
    expect((await api(gw, 'POST', '/api/v1/cleanup-tokens', { body: {} })).json).toMatchObject({ removed: 0 });
  });
});

describe.skipIf(!redisSuitesEnabled())('token statistics and cleanup, cluster mode (real redis-server)', () => {
  let redis: RedisServer | undefined;
  let cluster: RedisClusterServers | undefined;
  afterAll(async () => {
    await redis?.stop();
    await cluster?.stop();
  });
  const prefix = () => `tk${Date.now()}${Math.random().toString(36).slice(2)}:`;
  const pair = async (redisConfig: Record<string, unknown>) => {
    const config = { ...SHORT, redis: { prefix: prefix(), ...redisConfig } };
    return [await apiGateway(config), await apiGateway(config)] as const;
  };
  const scans = async (port: number) => Number(/cmdstat_scan:calls=(\d+)/.exec(await redisCli('-p', String(port), 'info', 'commandstats'))?.[1] ?? 0);

  it('one Redis: counts agree across nodes, a cleanup on either node removes every expired token without a SCAN', async () => {
    redis ??= await RedisServer.start();
    const [a, b] = await pair({ url: redis.url });
    const scansBefore = await scans(redis.port);
    await expiredTokensScenario(a, b);
    expect(await scans(redis.port)).toBe(scansBefore);
  });

  it('Redis Cluster of 3 masters: the same, without a SCAN', async () => {
    cluster ??= await RedisClusterServers.start(3);
    const [a, b] = await pair({ cluster: cluster.seeds });
    const scansBefore = await cluster.commandCalls('scan');
    await expiredTokensScenario(a, b);
    expect(await cluster.commandCalls('scan')).toBe(scansBefore);
  }, 60_000);

  it('store down: both answer 503 / 5104', async () => {
    redis ??= await RedisServer.start();
    const [a] = await pair({ url: redis.url, command_timeout: 0.5 });
    await redis.stop();
    try {
      expectError(await api(a, 'GET', '/api/v1/token-stats'), 503, 5104);
      expectError(await api(a, 'POST', '/api/v1/cleanup-tokens'), 503, 5104);
    } finally {
      await redis.resume();
    }
  });
});
