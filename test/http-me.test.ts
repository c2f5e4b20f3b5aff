/**
 * Client self-service over real HTTP on the client listener (PROTOCOL.md
 * section 13): /api/v1/me/sessions, /logout-others and /logout with the
 * resume token as Bearer; the others' sockets get KICKED reason `session`
 * and 4001, a logged-out token is dead (introspection says inactive), a
 * revoked, expired or unknown token is 401; bounds, 405, 415, 413, the
 * failure throttle; CORS and preflights following `origins`. Every JSON
 * answer is checked against /openapi.json.
 */
import { afterAll, describe, expect, it } from 'vitest';
import type { Gateway } from '../src/gateway.js';
import { NoticeKind } from '../src/protocol/types.js';
import { connect, loggedIn, waitFor } from './helpers.js';
import { api, apiGateway, call, expectDocumented, expectError, type Answer, type Call } from './http-helpers.js';
import { RedisServer, redisSuitesEnabled } from './support/redis-server.js';

type Session = { ssid: string; resource: string; termtyp: number; gateway: string; loginTime: number };
type Sessions = { self: Session; online: Session[] };

/** http://host:port of the client listener. */
const clientBase = (gw: Gateway): string => gw.clientUrl.replace(/^ws/, 'http').replace(/\/tim$/, '');

/** A request to the client listener of `gw`; a JSON answer is checked against /openapi.json. */
async function me(gw: Gateway, method: string, path: string, o: Call = {}): Promise<Answer> {
  const a = await call(clientBase(gw), method, path, o);
  if (a.status !== 204) await expectDocumented(gw, method, path.split('?')[0]!, a);
  return a;
}

const introspect = async (gw: Gateway, token: string) => (await api(gw, 'POST', '/api/v1/introspect', { body: { token } })).json as { active: boolean };
const corsHeaders = (a: Answer): string[] => Object.keys(a.headers).filter((h) => h.startsWith('access-control'));

describe('/api/v1/me on the client listener', () => {
  it('lists the sessions, logs the others out (KICKED session naming the asking device, 4001), then itself (its token dies)', async () => {
    const gw = await apiGateway({ device_limit: 3, devicetype_limit: 3 });
    const phone = await loggedIn(gw, { name: 'alice', resource: 'phone', termtyp: 1 });
    const pc = await loggedIn(gw, { name: 'alice', resource: 'pc', termtyp: 2 });
    const pad = await loggedIn(gw, { name: 'alice', resource: 'pad', termtyp: 3 });
    const bob = await loggedIn(gw, { name: 'bob' });
    const key = phone.lastLogin!.token!;

    const list = (await me(gw, 'GET', '/api/v1/me/sessions', { key })).json as Sessions;
    expect(list.self).toMatchObject({ ssid: phone.lastLogin!.n2, resource: 'phone', termtyp: 1, gateway: gw.id });
    expect(list.online.map((s) => s.resource).sort()).toEqual(['pad', 'pc']);

    // own ssids only, as KICK: bob's, an unknown one and the caller's own are ignored
    const others = [pc.lastLogin!.n2!, bob.lastLogin!.n2!, 'not-a-session', phone.lastLogin!.n2!];
    expect((await me(gw, 'POST', '/api/v1/me/logout-others', { key, body: { ssids: others } })).json).toEqual({ loggedOut: 1 });
    const kicked = await pc.nextNotice(NoticeKind.KICKED);
    expect(kicked.extend).toMatchObject({ reason: 'session', resource: 'phone', termtyp: '1' });
    expect((await pc.closed).code).toBe(4001);
    expectError(await me(gw, 'GET', '/api/v1/me/sessions', { key: pc.lastLogin!.token! }), 401, 4115, 'not a live resume token');
    expect(await introspect(gw, bob.lastLogin!.token!)).toMatchObject({ active: true });

    const padToken = pad.lastLogin!.token!;
    expect((await me(gw, 'POST', '/api/v1/me/logout', { key: padToken })).json).toEqual({ loggedOut: 1 });
    expect((await pad.nextNotice(NoticeKind.KICKED)).extend).toMatchObject({ reason: 'session' });
    expect((await pad.closed).code).toBe(4001);
    expect(await introspect(gw, padToken)).toEqual({ active: false });
    expectError(await me(gw, 'POST', '/api/v1/me/logout', { key: padToken }), 401, 4115);
    expect((await (await connect(gw)).login({ name: 'alice', token: padToken })).error?.code).toBe(4115);

    expect(((await me(gw, 'GET', '/api/v1/me/sessions', { key })).json as Sessions).online).toEqual([]);
    expect(await introspect(gw, key)).toMatchObject({ active: true });
  });

  it('a token whose session closed cleanly still lists and logs out (self has no gateway); afterwards it is dead', async () => {
    const gw = await apiGateway({ device_limit: 2, devicetype_limit: 2 });
    const phone = await loggedIn(gw, { name: 'alice', resource: 'phone', termtyp: 1 });
    await loggedIn(gw, { name: 'alice', resource: 'pc', termtyp: 2 });
    const key = phone.lastLogin!.token!;
    await phone.close();
    await waitFor(async () => ((await me(gw, 'GET', '/api/v1/me/sessions', { key })).json as Sessions).self.gateway === '', 5000, 'the closed session to leave the table');
    const list = (await me(gw, 'GET', '/api/v1/me/sessions', { key })).json as Sessions;
    expect(list.self).toMatchObject({ ssid: phone.lastLogin!.n2, resource: 'phone', gateway: '', loginTime: phone.lastLogin!.t });
    expect(list.online.map((s) => s.resource)).toEqual(['pc']);
    expect((await me(gw, 'POST', '/api/v1/me/logout', { key, body: {} })).json).toEqual({ loggedOut: 1 });
    expect(await introspect(gw, key)).toEqual({ active: false });
    expectError(await me(gw, 'GET', '/api/v1/me/sessions', { key }), 401, 4115);
  });

  it('401 without a token, with an unknown, a foreign or an expired one; 400 over a bound or for an unknown field; 405, 415, 413; 404 JSON for other /api/ paths; other paths keep 426', async () => {
    const gw = await apiGateway({ max_frame: 1024, max_kick: 2 });
    const a = await loggedIn(gw, { name: 'alice' });
    const key = a.lastLogin!.token!;
    expectError(await me(gw, 'GET', '/api/v1/me/sessions', { key: null }), 401, 4105, 'Bearer');
    expect((await me(gw, 'GET', '/api/v1/me/sessions', { key: null })).headers['www-authenticate']).toBe('Bearer');
    expectError(await me(gw, 'GET', '/api/v1/me/sessions', { key: 'r.nope.AAAA' }), 401, 4115);
    expectError(await me(gw, 'GET', '/api/v1/me/sessions', { key: 'not a token at all' }), 401, 4105);
    const issued = (await api(gw, 'POST', '/api/v1/token', { body: { name: 'alice' } })).json as { token: string };
    expectError(await me(gw, 'GET', '/api/v1/me/sessions', { key: issued.token }), 401, 4115); // a login token is not a resume token

    expectError(await me(gw, 'POST', '/api/v1/me/logout-others', { key, body: { ssids: ['a', 'b', 'c'] } }), 400, 4104, 'ssids lists more than 2');
    expectError(await me(gw, 'POST', '/api/v1/me/logout-others', { key, body: { ssids: 'a' } }), 400, 4104, 'ssids must be an array');
    expectError(await me(gw, 'POST', '/api/v1/me/logout-others', { key, body: { ssid: ['a'] } }), 400, 4104, 'ssid is not a known field');
    expectError(await me(gw, 'POST', '/api/v1/me/logout', { key, body: { all: true } }), 400, 4104, 'all');
    expectError(await me(gw, 'GET', '/api/v1/me/sessions?x=1', { key }), 400, 4104, 'x');
    expectError(await me(gw, 'POST', '/api/v1/me/logout-others', { key, body: '{"ssids": [' }), 400, 4113, 'not JSON');
    const wrong = await me(gw, 'DELETE', '/api/v1/me/sessions', { key });
    expectError(wrong, 405, 4104);
    expect(wrong.headers.allow).toBe('GET, OPTIONS');
    expectError(await me(gw, 'GET', '/api/v1/me/logout', { key }), 405, 4104);
    expectError(await me(gw, 'POST', '/api/v1/me/logout-others', { key, body: 'ssids=a', headers: { 'content-type': 'application/x-www-form-urlencoded' } }), 415, 4113, 'application/json');
    expectError(await me(gw, 'POST', '/api/v1/me/logout-others', { key, body: { ssids: ['x'.repeat(2000)] } }), 413, 4114, '1024');
    expect((await call(clientBase(gw), 'GET', '/', { key: null })).status).toBe(426);
    expectError(await call(clientBase(gw), 'GET', '/api/v1/stats'), 404, 4109); // the admin API lives on its own listener
    expectError(await call(clientBase(gw), 'GET', '/api/v1/me/nope', { key }), 404, 4109);

    const brief = await apiGateway({ resume_timeout: 1 });
    const expiring = (await loggedIn(brief, { name: 'alice' })).lastLogin!.token!;
    await waitFor(async () => (await introspect(brief, expiring)).active === false, 5000, 'the one-second resume token to expire');
    expectError(await me(brief, 'GET', '/api/v1/me/sessions', { key: expiring }), 401, 4115);
  });

  it('failed tokens are throttled per address by login_rate_ip (429 / 5105), the right token too until the bucket refills', async () => {
    const gw = await apiGateway({ login_rate_ip: { per_second: 0.01, burst: 2 } });
    const key = (await loggedIn(gw, { name: 'alice' })).lastLogin!.token!;
    expect((await me(gw, 'GET', '/api/v1/me/sessions', { key })).status).toBe(200);
    expectError(await me(gw, 'GET', '/api/v1/me/sessions', { key: 'r.nope.AAAA' }), 401, 4115);
    expectError(await me(gw, 'GET', '/api/v1/me/sessions', { key: 'r.nope.BBBB' }), 401, 4115);
    expectError(await me(gw, 'GET', '/api/v1/me/sessions', { key: 'r.nope.CCCC' }), 429, 5105);
    expectError(await me(gw, 'GET', '/api/v1/me/sessions', { key }), 429, 5105);
  });

  it('CORS follows origins: a listed origin gets the headers and its preflight, another gets 403 without them', async () => {
    const gw = await apiGateway({ origins: ['https://app.example'] });
    const key = (await loggedIn(gw, { name: 'alice' })).lastLogin!.token!;
    const app = { origin: 'https://app.example' };
    const pre = await me(gw, 'OPTIONS', '/api/v1/me/logout-others', { key: null, headers: { ...app, 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization, content-type' } });
    expect(pre.status).toBe(204);
    expect(pre.text).toBe('');
    expect(pre.headers).toMatchObject({ 'access-control-allow-origin': 'https://app.example', 'access-control-allow-methods': 'POST, OPTIONS', vary: 'Origin' });
    expect(String(pre.headers['access-control-allow-headers']).toLowerCase().split(', ')).toEqual(['authorization', 'content-type']);
    const ok = await me(gw, 'GET', '/api/v1/me/sessions', { key, headers: app });
    expect(ok.status).toBe(200);
    expect(ok.headers['access-control-allow-origin']).toBe('https://app.example');
    const bad = await me(gw, 'POST', '/api/v1/me/logout', { key, headers: app, body: { x: 1 } });
    expectError(bad, 400, 4104);
    expect(bad.headers['access-control-allow-origin']).toBe('https://app.example'); // a page can read its errors

    const evil = { origin: 'https://evil.example' };
    const refusedPre = await me(gw, 'OPTIONS', '/api/v1/me/logout-others', { key: null, headers: { ...evil, 'access-control-request-method': 'POST' } });
    expectError(refusedPre, 403, 4105, 'origin');
    expect(corsHeaders(refusedPre)).toEqual([]);
    const refused = await me(gw, 'GET', '/api/v1/me/sessions', { key, headers: evil });
    expectError(refused, 403, 4105, 'https://evil.example');
    expect(corsHeaders(refused)).toEqual([]);
    expect(await introspect(gw, key)).toMatchObject({ active: true });
    const native = await me(gw, 'GET', '/api/v1/me/sessions', { key }); // no Origin: not a browser
    expect(native.status).toBe(200);
    expect(corsHeaders(native)).toEqual([]);
  });

  it('without origins any origin may call (absent = any): its requests and preflights get the CORS headers, never credentials', async () => {
    const gw = await apiGateway();
    const key = (await loggedIn(gw, { name: 'alice' })).lastLogin!.token!;
    const page = { origin: 'https://app.example' };
    const got = await me(gw, 'GET', '/api/v1/me/sessions', { key, headers: page });
    expect(got.status).toBe(200);
    expect(got.headers).toMatchObject({ 'access-control-allow-origin': 'https://app.example', vary: 'Origin' });
    const pre = await me(gw, 'OPTIONS', '/api/v1/me/sessions', { key: null, headers: { ...page, 'access-control-request-method': 'GET' } });
    expect(pre.status).toBe(204);
    expect(pre.headers).toMatchObject({ 'access-control-allow-origin': 'https://app.example', 'access-control-allow-methods': 'GET, OPTIONS' });
    expect(corsHeaders(got)).not.toContain('access-control-allow-credentials');
    expect(corsHeaders(pre)).not.toContain('access-control-allow-credentials');
    const native = await me(gw, 'GET', '/api/v1/me/sessions', { key });
    expect(corsHeaders(native)).toEqual([]);
  });
});

describe.skipIf(!redisSuitesEnabled())('/api/v1/me in cluster mode (two nodes, real redis-server)', () => {
  let redis: RedisServer | undefined;
  afterAll(async () => redis?.stop());
  const pair = async () => {
    redis ??= await RedisServer.start();
    const config = { device_limit: 3, devicetype_limit: 3, redis: { url: redis.url, prefix: `me${Date.now()}${Math.random().toString(36).slice(2)}:`, command_timeout: 0.5 } };
    return [await apiGateway(config), await apiGateway(config)] as const;
  };

  it("a token of node A lists, logs out a session of node A and its own session from node B's client listener", async () => {
    const [a, b] = await pair();
    const phone = await loggedIn(a, { name: 'alice', resource: 'phone', termtyp: 1 });
    const pc = await loggedIn(a, { name: 'alice', resource: 'pc', termtyp: 2 });
    const pad = await loggedIn(b, { name: 'alice', resource: 'pad', termtyp: 3 });
    const key = phone.lastLogin!.token!;
    const list = (await me(b, 'GET', '/api/v1/me/sessions', { key })).json as Sessions;
    expect(list.self).toMatchObject({ ssid: phone.lastLogin!.n2, gateway: a.id });
    expect(list.online.map((s) => [s.resource, s.gateway])).toEqual([['pc', a.id], ['pad', b.id]]);
    expect((await me(b, 'POST', '/api/v1/me/logout-others', { key, body: { ssids: [pc.lastLogin!.n2!] } })).json).toEqual({ loggedOut: 1 });
    expect((await pc.nextNotice(NoticeKind.KICKED)).extend).toMatchObject({ reason: 'session' });
    expect((await pc.closed).code).toBe(4001);
    expect((await me(b, 'POST', '/api/v1/me/logout', { key })).json).toEqual({ loggedOut: 1 });
    expect((await phone.nextNotice(NoticeKind.KICKED)).extend).toMatchObject({ reason: 'session' });
    expect((await phone.closed).code).toBe(4001);
    expect(await introspect(a, key)).toEqual({ active: false });
    expectError(await me(a, 'GET', '/api/v1/me/sessions', { key }), 401, 4115);
    expect(((await me(a, 'GET', '/api/v1/me/sessions', { key: pad.lastLogin!.token! })).json as Sessions).online).toEqual([]);
  });

  it('store down: 503 / 5104', async () => {
    const [a] = await pair();
    const key = (await loggedIn(a, { name: 'alice' })).lastLogin!.token!;
    await redis!.stop();
    try {
      expectError(await me(a, 'GET', '/api/v1/me/sessions', { key }), 503, 5104);
      expectError(await me(a, 'POST', '/api/v1/me/logout-others', { key, body: { ssids: ['x'] } }), 503, 5104);
    } finally {
      await redis!.resume();
    }
  });
});
