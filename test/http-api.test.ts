/**
 * The admin HTTP API over real HTTP (PROTOCOL.md section 13): every endpoint
 * answers its success, 401 without or with a wrong key, 400 / 4104 naming the
 * field over a bound, 405 for another method, and (with a body) 415 for
 * another media type and 413 over max_frame; wrong keys are throttled per
 * address. Every JSON answer is checked against the gateway's /openapi.json.
 */
import { describe, expect, it } from 'vitest';
import { buildConfig } from '../src/config/load.js';
import { NoticeKind } from '../src/protocol/types.js';
import { connect, loggedIn } from './helpers.js';
import { api, apiGateway, call, expectDocumented, expectError } from './http-helpers.js';

const long = 'x'.repeat(300);

/** Each endpoint with a request that succeeds and one over a bound (the field the 4104 names). */
const endpoints = [
  { method: 'GET', path: '/api/v1/stats', good: '', bound: { query: '?verbose=1', field: 'verbose' } },
  { method: 'GET', path: '/api/v1/online', good: '?name=alice', bound: { query: `?name=${long}`, field: 'names' } },
  { method: 'POST', path: '/api/v1/notice', good: { names: ['alice'], odType: 1, dataString: 'hello' }, bound: { body: { names: ['alice'], odType: 1, dataString: 'x'.repeat(5000) }, field: 'dataString' } },
  { method: 'POST', path: '/api/v1/kick', good: { names: ['nobody'] }, bound: { body: { names: ['alice'], blockSeconds: 10 ** 9 }, field: 'blockSeconds' } },
  { method: 'POST', path: '/api/v1/token', good: { name: 'alice' }, bound: { body: { name: 'alice', ttlSeconds: 10 ** 6 }, field: 'ttlSeconds' } },
] as const;

describe('every admin endpoint', () => {
  for (const e of endpoints) {
    const send = (gw: Parameters<typeof api>[0], o: Parameters<typeof api>[3] = {}) =>
      e.method === 'GET' ? api(gw, 'GET', `${e.path}${e.good as string}`, o) : api(gw, 'POST', e.path, { body: e.good, ...o });

    it(`${e.method} ${e.path}: success, 401 without or with a wrong key, 400 over a bound, 405`, async () => {
      const gw = await apiGateway({ max_notice_bytes: 4096 });
      await loggedIn(gw, { name: 'alice' });
      expect((await send(gw)).status).toBe(200);
      expectError(await send(gw, { key: null }), 401, 4105, 'Bearer');
      expectError(await send(gw, { key: 'tim_wrong' }), 401, 4105, 'unknown API key');
      const b = e.bound as { query?: string; body?: unknown; field: string };
      const over = b.query !== undefined ? await api(gw, 'GET', `${e.path}${b.query}`) : await api(gw, 'POST', e.path, { body: b.body });
      expectError(over, 400, 4104, b.field);
      const other = await api(gw, e.method === 'GET' ? 'DELETE' : 'GET', e.path);
      expectError(other, 405, 4104);
      expect(other.headers.allow).toBe(e.method);
    });

    if (e.method === 'POST') {
      it(`${e.method} ${e.path}: 415 for a body that is not JSON, 413 over max_frame, 400 for broken JSON or an unknown field`, async () => {
        const gw = await apiGateway({ max_frame: 1024 });
        expectError(await api(gw, 'POST', e.path, { body: 'name=alice', headers: { 'content-type': 'application/x-www-form-urlencoded' } }), 415, 4113, 'application/json');
        expectError(await api(gw, 'POST', e.path, { body: { ...(e.good as object), extend: { pad: 'x'.repeat(2000) } } }), 413, 4114, '1024');
        expectError(await api(gw, 'POST', e.path, { body: '{"names": [' }), 400, 4113, 'not JSON');
        expectError(await api(gw, 'POST', e.path, { body: { ...(e.good as object), colour: 'red' } }), 400, 4104, 'colour');
        expectError(await api(gw, 'POST', e.path, { body: { ...(e.good as object), domain: 7 } }), 400, 4104, 'domain must be a string');
      });
    }
  }
});

describe('what the operations do', () => {
  it('stats and online describe the table', async () => {
    const gw = await apiGateway({ device_limit: 2, devicetype_limit: 2 });
    const a = await loggedIn(gw, { name: 'alice', resource: 'phone', termtyp: 1 });
    await loggedIn(gw, { name: 'bob', domain: 'acme' });
    expect((await api(gw, 'GET', '/api/v1/stats')).json).toMatchObject({ sessions: 2, accounts: 2, connections: 2, gateways: 1, perDomain: { '': 1, acme: 1 } });
    const online = (await api(gw, 'GET', '/api/v1/online?domain=&name=alice&name=carol')).json as { accounts: { name: string; sessions: { ssid: string; resource: string }[] }[] };
    expect(online.accounts).toEqual([
      { domain: '', name: 'alice', sessions: [expect.objectContaining({ ssid: a.lastLogin!.n2, resource: 'phone', termtyp: 1 })] },
      { domain: '', name: 'carol', sessions: [] },
    ]);
    expectError(await api(gw, 'GET', '/api/v1/online?domain=a&domain=b&name=x'), 400, 4104, 'domain given more than once');
    expectError(await api(gw, 'GET', '/api/v1/online'), 400, 4104, 'names is required');
  });

  it('notice reaches the sessions, kick logs them out with reason admin and 4001, token logs in once', async () => {
    const gw = await apiGateway();
    const alice = await loggedIn(gw, { name: 'alice' });
    expect((await api(gw, 'POST', '/api/v1/notice', { body: { names: ['alice'], odType: 2, dataString: 'please log out', extend: { k: 'v' } } })).json).toEqual({ reached: 1 });
    expect(await alice.nextNotice(NoticeKind.LOGOUT_REQUEST)).toMatchObject({ dataString: 'please log out', extend: { k: 'v' } });
    expectError(await api(gw, 'POST', '/api/v1/notice', { body: { names: ['alice'], dataString: 'no kind' } }), 400, 4104, 'odType');

    expect((await api(gw, 'POST', '/api/v1/kick', { body: { names: ['alice'], reason: 'abuse', blockSeconds: 60 } })).json).toEqual({ kicked: 1 });
    expect((await alice.nextNotice(NoticeKind.KICKED)).extend).toMatchObject({ reason: 'admin', message: 'abuse' });
    expect((await alice.closed).code).toBe(4001);
    expect((await (await connect(gw)).login({ name: 'alice', pwd: 'correct horse' })).error?.code).toBe(4110);

    const issued = (await api(gw, 'POST', '/api/v1/token', { body: { name: 'bob', ttlSeconds: 30, extend: { plan: 'vip' } } })).json as { token: string; expires: number };
    expect(issued.expires).toBeGreaterThan(Date.now() + 20_000);
    expect((await (await connect(gw)).login({ name: 'bob', token: issued.token })).ok).toBe(true);
    expect((await (await connect(gw)).login({ name: 'bob', token: issued.token })).error?.code).toBe(4115);
  });
});

describe('around the endpoints', () => {
  it('unknown paths answer 404, /healthz and /openapi.json need no key', async () => {
    const gw = await apiGateway();
    expectError(await api(gw, 'GET', '/api/v1/nothing'), 404, 4109);
    expect((await api(gw, 'GET', '/healthz', { key: null })).json).toMatchObject({ status: 'ok', mode: 'embedded' });
    const doc = await call(gw.adminHttpUrl, 'GET', '/openapi.json', { key: null });
    expect(doc.json).toMatchObject({ openapi: '3.1.0' });
    expect((await call(gw.adminHttpUrl, 'GET', '/metrics', { key: null })).text).toContain('tim_connections');
    // the admin socket still upgrades on the same listener
    expect(gw.adminUrl).toMatch(/\/admin$/);
    await expectDocumented(gw, 'GET', '/api/v1/stats', await call(gw.adminHttpUrl, 'GET', '/api/v1/stats'));
  });

  it('wrong keys are throttled per address (5105 / 429), also for the right key until the bucket refills', async () => {
    const gw = await apiGateway({ admin_auth_failures: { per_second: 0.001, burst: 2 } });
    expectError(await api(gw, 'GET', '/api/v1/stats', { key: 'tim_guess1' }), 401, 4105);
    expectError(await api(gw, 'GET', '/api/v1/stats', { key: 'tim_guess2' }), 401, 4105);
    expectError(await api(gw, 'GET', '/api/v1/stats', { key: 'tim_guess3' }), 429, 5105);
    expectError(await api(gw, 'GET', '/api/v1/stats'), 429, 5105);
  });

  it('a gateway without api_keys refuses every key', async () => {
    const gw = await apiGateway({ api_keys: [] });
    expectError(await api(gw, 'GET', '/api/v1/stats'), 401, 4105);
  });
});

describe('api_keys in tim.json', () => {
  it.each([
    [[{ name: 'crm', key: 'plain-text-key' }], 'api_keys" [0].key must be "sha256:" and 64 hex digits'],
    [[{ name: 'crm', key: `sha256:${'a'.repeat(64)}` }, { name: 'crm', key: `sha256:${'b'.repeat(64)}` }], '[1].name must be a non-empty name used once'],
    [[{ name: 'crm' }], '[0].key must be a string'],
    [{ crm: 'x' }, 'must be an array'],
  ])('%j is refused naming the key', (value, message) => {
    expect(() => buildConfig({ api_keys: value }, 'tim.json')).toThrow(message);
  });
});
