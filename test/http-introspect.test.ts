/**
 * POST /api/v1/introspect (PROTOCOL.md section 13): active exactly while a
 * resume token is live, false at once after a kick (any reason), a logout or
 * its expiry, and for anything that is not such a token; in embedded mode
 * and across two cluster nodes on a real redis-server.
 */
import { afterAll, describe, expect, it } from 'vitest';
import type { Gateway } from '../src/gateway.js';
import { connect, loggedIn, waitFor } from './helpers.js';
import { api, apiGateway, expectError } from './http-helpers.js';
import { RedisServer, redisSuitesEnabled } from './support/redis-server.js';

type Introspection = { active: boolean; name?: string; domain?: string; ssid?: string; online?: boolean; gateway?: string; iat?: number; exp?: number; resource?: string; termtyp?: number };

const introspect = async (gw: Gateway, token: string, extra: Record<string, string> = {}): Promise<Introspection> => {
  const a = await api(gw, 'POST', '/api/v1/introspect', { body: { token, ...extra } });
  expect(a.status, a.text).toBe(200);
  return a.json as Introspection;
};

describe('introspection (embedded)', () => {
  it('active while live; inactive at once after a kick by a new login in kick mode; the newcomer is active', async () => {
    const gw = await apiGateway({ overentry: 'kick', resume_timeout: 3600 });
    const phone = await loggedIn(gw, { name: 'alice', resource: 'phone', termtyp: 1 });
    const token = phone.lastLogin!.token!;
    const live = await introspect(gw, token);
    expect(live).toEqual({
      active: true,
      domain: '',
      name: 'alice',
      ssid: phone.lastLogin!.n2,
      termtyp: 1,
      resource: 'phone',
      gateway: gw.id,
      online: true,
      iat: expect.any(Number) as number,
      exp: Math.floor(phone.lastLogin!.t2! / 1000),
    });
    expect(live.exp! - live.iat!).toBe(3600);
    const laptop = await loggedIn(gw, { name: 'alice', resource: 'laptop', termtyp: 1 });
    expect(await introspect(gw, token)).toEqual({ active: false });
    expect(await introspect(gw, laptop.lastLogin!.token!)).toMatchObject({ active: true, resource: 'laptop' });
  });

  it('inactive after LOGOUT and after an admin kick; a clean close keeps it active but offline', async () => {
    const gw = await apiGateway({ device_limit: 3, devicetype_limit: 3 });
    const a = await loggedIn(gw, { name: 'alice' });
    await a.logout();
    expect(await introspect(gw, a.lastLogin!.token!)).toEqual({ active: false });

    const b = await loggedIn(gw, { name: 'alice' });
    await b.close();
    await waitFor(async () => (await introspect(gw, b.lastLogin!.token!)).online === false, 5000, 'the closed session to leave');
    expect(await introspect(gw, b.lastLogin!.token!)).toMatchObject({ active: true, online: false, gateway: '' });

    const c = await loggedIn(gw, { name: 'alice' });
    expect((await api(gw, 'POST', '/api/v1/kick', { body: { ssids: [c.lastLogin!.n2!] } })).json).toEqual({ kicked: 1 });
    expect(await introspect(gw, c.lastLogin!.token!)).toEqual({ active: false });
  });

  it('inactive once expired', async () => {
    const gw = await apiGateway({ resume_timeout: 1 });
    const a = await loggedIn(gw, { name: 'alice' });
    expect((await introspect(gw, a.lastLogin!.token!)).active).toBe(true);
    await waitFor(async () => !(await introspect(gw, a.lastLogin!.token!)).active, 5000, 'the token to expire');
    expect(Date.now()).toBeGreaterThanOrEqual(a.lastLogin!.t2!);
  });

  it('inactive for a random string, a forged secret, a login token, and a token of another domain when a domain is asked', async () => {
    const gw = await apiGateway();
    const acme = await loggedIn(gw, { name: 'alice', domain: 'acme' });
    const token = acme.lastLogin!.token!;
    expect(await introspect(gw, 'hello')).toEqual({ active: false });
    expect(await introspect(gw, `${token.slice(0, -4)}AAAA`)).toEqual({ active: false });
    const login = (await api(gw, 'POST', '/api/v1/token', { body: { name: 'bob' } })).json as { token: string };
    expect(await introspect(gw, login.token)).toEqual({ active: false });
    expect(await introspect(gw, token, { domain: '' })).toEqual({ active: false });
    expect(await introspect(gw, token, { domain: 'acme' })).toMatchObject({ active: true, domain: 'acme', name: 'alice' });
    // the login token was not used up by being introspected
    expect((await (await connect(gw)).login({ name: 'bob', token: login.token })).ok).toBe(true);
  });

  it('takes an RFC 7662 form; a missing or over-long token is 400 / 4104 naming token', async () => {
    const gw = await apiGateway();
    const a = await loggedIn(gw, { name: 'alice' });
    const form = await api(gw, 'POST', '/api/v1/introspect', {
      body: `token=${encodeURIComponent(a.lastLogin!.token!)}&token_type_hint=access_token`,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(form.json).toMatchObject({ active: true, name: 'alice' });
    expectError(await api(gw, 'POST', '/api/v1/introspect', { body: {} }), 400, 4104, 'token is required');
    expectError(await api(gw, 'POST', '/api/v1/introspect', { body: { token: 'r'.repeat(300) } }), 400, 4104, 'token longer than');
    expectError(await api(gw, 'POST', '/api/v1/introspect', { body: 'token', headers: { 'content-type': 'text/plain' } }), 415, 4113);
    expectError(await api(gw, 'POST', '/api/v1/introspect', { key: null, body: { token: 'x' } }), 401, 4105);
    expectError(await api(gw, 'GET', '/api/v1/introspect'), 405, 4104);
  });
});

const clusterSuite = redisSuitesEnabled() ? describe : describe.skip;

clusterSuite('introspection and the HTTP API in cluster mode (real redis-server)', () => {
  let redis: RedisServer | undefined;
  afterAll(async () => redis?.stop());
  const cluster = async (overrides: Record<string, unknown> = {}) => {
    redis ??= await RedisServer.start();
    const config = { redis: { url: redis.url, prefix: `http${Date.now()}${Math.random().toString(36).slice(2)}:`, command_timeout: 0.5 }, ...overrides };
    return [await apiGateway(config), await apiGateway(config)] as const;
  };

  it('a token from node A kicked by a new login on node B is inactive at once on either node', async () => {
    const [a, b] = await cluster({ overentry: 'kick' });
    const first = await loggedIn(a, { name: 'alice' });
    const token = first.lastLogin!.token!;
    expect(await introspect(b, token)).toMatchObject({ active: true, online: true, gateway: a.id });
    await loggedIn(b, { name: 'alice' });
    expect(await introspect(a, token)).toEqual({ active: false });
    expect(await introspect(b, token)).toEqual({ active: false });
  });

  it('store down: every endpoint answers 503 / 5104', async () => {
    const [a] = await cluster();
    const alice = await loggedIn(a, { name: 'alice' });
    await redis!.stop();
    try {
      expectError(await api(a, 'GET', '/api/v1/stats'), 503, 5104);
      expectError(await api(a, 'GET', '/api/v1/online?name=alice'), 503, 5104);
      expectError(await api(a, 'POST', '/api/v1/notice', { body: { names: ['alice'], odType: 1, dataString: 'x' } }), 503, 5104);
      expectError(await api(a, 'POST', '/api/v1/kick', { body: { names: ['alice'] } }), 503, 5104);
      expectError(await api(a, 'POST', '/api/v1/token', { body: { name: 'alice' } }), 503, 5104);
      expectError(await api(a, 'POST', '/api/v1/introspect', { body: { token: alice.lastLogin!.token! } }), 503, 5104);
    } finally {
      await redis!.resume();
    }
  });
});
