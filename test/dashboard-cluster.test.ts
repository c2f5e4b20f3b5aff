/**
 * The dashboard's gateway-node list in cluster mode (a real redis-server, two
 * in-process gateway nodes): GET /api/v1/gateways lists both nodes with the
 * sessions each holds and a live lease; a node whose lease ran out is listed
 * as expired.
 */
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildConfig } from '../src/config/load.js';
import { GatewayNodes } from '../src/dashboard/gateway-nodes.js';
import type { Gateway } from '../src/gateway.js';
import { createLogger } from '../src/logger.js';
import { RedisKeys } from '../src/session/redis-keys.js';
import { createStore } from '../src/session/store.js';
import { ADMIN, adminGateway } from './admin-helpers.js';
import { loggedIn, onCleanup, PWD, tempDir } from './helpers.js';
import { RedisServer, redisSuitesEnabled } from './support/redis-server.js';

const enabled = redisSuitesEnabled();
let redis: RedisServer;

/** A cookie header of a fresh operator session on `gw`. */
async function operatorCookie(gw: Gateway): Promise<string> {
  const res = await fetch(`${gw.adminHttpUrl}/api/v1/session`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: ADMIN, pwd: PWD }) });
  expect(res.status).toBe(200);
  return res.headers.get('set-cookie')!.split(';')[0]!;
}

describe.skipIf(!enabled)('dashboard: gateway nodes in cluster mode', () => {
  beforeAll(async () => {
    redis = await RedisServer.start();
  });
  afterAll(async () => {
    await redis?.stop();
  });

  it('lists every node with its sessions and lease', async () => {
    const cluster = { redis: { url: redis.url, prefix: `t${Date.now()}:` }, device_limit: 3, devicetype_limit: 3 };
    const n1 = await adminGateway({ ...cluster, gateway_id: 'node-a' });
    const n2 = await adminGateway({ ...cluster, gateway_id: 'node-b' });
    await loggedIn(n1, { name: 'alice' });
    await loggedIn(n2, { name: 'bob' });
    await loggedIn(n2, { name: 'carol', domain: 'acme' });

    const res = await fetch(`${n1.adminHttpUrl}/api/v1/gateways`, { headers: { cookie: await operatorCookie(n1) } });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { mode: string; gateways: { id: string; sessions: number; lease: string; expires: number }[] };
    expect(body.mode).toBe('cluster');
    expect(body.gateways.map(({ id, sessions, lease }) => ({ id, sessions, lease }))).toEqual([
      { id: 'node-a', sessions: 1, lease: 'live' },
      { id: 'node-b', sessions: 2, lease: 'live' },
    ]);
    expect(body.gateways.every((g) => g.expires > Date.now())).toBe(true);
  });

  it('shows a node whose lease ran out as expired, with the sessions it still holds', async () => {
    const prefix = `x${Date.now()}:`;
    const config = buildConfig({ redis: { url: redis.url, prefix }, log_level: 'silent' }, '', tempDir());
    const store = await createStore(config, 'observer', createLogger('silent', false));
    onCleanup(() => store.close());
    const direct = new Redis(redis.url);
    onCleanup(async () => direct.disconnect());
    const keys = new RedisKeys(prefix);
    await direct.zadd(keys.gateways, Date.now() - 60_000, 'gone-node', Date.now() + 60_000, 'live-node');
    const session = (ssid: string, gateway: string): string => JSON.stringify({ ssid, domain: '', name: 'alice', resource: '', termtyp: 0, loginTime: 1, refreshTime: 1, ip: '', gateway, connId: 'c', reg: 1 });
    // the sessions and the node indexes as the login script leaves them (a single Redis: slot 0)
    await direct.hset(keys.sessions('', 'alice'), 's1', session('s1', 'gone-node'), 's2', session('s2', 'gone-node'), 's4', session('s4', 'live-node'));
    await direct.hset(keys.sessions('acme', 'bob'), 's3', session('s3', 'live-node'));
    await direct.sadd(keys.nodeIndex('gone-node', 0), keys.tag('', 'alice'));
    await direct.sadd(keys.nodeIndex('live-node', 0), keys.tag('', 'alice'), keys.tag('acme', 'bob'));

    const listed = await new GatewayNodes(store).list(Date.now());
    expect(listed.gateways.map(({ id, sessions, lease }) => ({ id, sessions, lease }))).toEqual([
      { id: 'gone-node', sessions: 2, lease: 'expired' },
      { id: 'live-node', sessions: 2, lease: 'live' },
    ]);
  });

  it('answers 503 / 5104 while Redis is away', async () => {
    const gw = await adminGateway({ redis: { url: redis.url, prefix: `d${Date.now()}:`, command_timeout: 0.5 } });
    const cookie = await operatorCookie(gw);
    await redis.stop();
    try {
      const res = await fetch(`${gw.adminHttpUrl}/api/v1/gateways`, { headers: { cookie } });
      expect(res.status).toBe(503);
      expect(((await res.json()) as { error: { code: number } }).error.code).toBe(5104);
    } finally {
      await redis.resume();
    }
  });
});
