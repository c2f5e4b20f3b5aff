/**
 * The Lua copy of the login policy (src/session/lua/lib.lua `decide`, run by
 * login.lua) against the same table as the TypeScript one
 * (test/login-policy-table.ts), through the Redis registry on a real
 * redis-server: each case's sessions are registered, then the login is
 * decided by the script.
 */
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../src/logger.js';
import { RedisKeys } from '../src/session/redis-keys.js';
import type { SessionInfo } from '../src/session/registry.js';
import { policyCases, policySession } from './login-policy-table.js';
import { RedisServer, redisSuitesEnabled } from './support/redis-server.js';
import { registryNode } from './support/registry-node.js';

describe.skipIf(!redisSuitesEnabled())('login policy in Lua (login.lua through RedisRegistry)', () => {
  let server: RedisServer;
  let node: Awaited<ReturnType<typeof registryNode<Redis>>>;
  let account = 0;

  beforeAll(async () => {
    server = await RedisServer.start();
    node = await registryNode(new Redis(server.url, { maxRetriesPerRequest: 0 }), new RedisKeys('policy:'), 'node-1', 15_000, createLogger('silent', false));
  });
  afterAll(async () => {
    await node?.close();
    await server?.stop();
  });

  it.each(policyCases)('$name', async ({ sessions, termtyp, limits, accept, ssids }) => {
    const now = Date.now();
    const name = `case${++account}`;
    const session = (ssid: string, t: number, loginTime: number): SessionInfo => ({
      ssid, domain: 'd', name, resource: ssid, termtyp: t, loginTime, refreshTime: loginTime, ip: '127.0.0.1', gateway: node.gatewayId, connId: `c-${ssid}`,
    });
    const login = (s: SessionInfo, l: typeof limits) =>
      node.registry.login({ session: s, limits: l, kick: [], token: { domain: 'd', name, ssid: s.ssid, hash: `h-${s.ssid}`, expires: now + 60_000 }, now });
    for (const spec of sessions) {
      const p = policySession(spec, now);
      expect((await login(session(p.ssid, p.termtyp, p.loginTime), { deviceLimit: 100, typeLimit: 100, mode: 'reject', minAgeMs: 0 })).ok).toBe(true);
    }
    const r = await login(session('new', termtyp, now), limits);
    expect(r.ok).toBe(accept);
    expect((r.ok ? r.evicted : r.blocking).map((s) => s.ssid)).toEqual(ssids);
    if (!r.ok) expect(r.code).toBe(4111);
  });
});
