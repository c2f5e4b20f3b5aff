/**
 * The dashboard's endpoints over real HTTP: operator sign-in (password or API
 * key, throttled like ADMAUTH), the cookie as a credential of every API
 * endpoint, CSRF, sign-out, the limits and gateway-node extensions, and the
 * page's files; every JSON answer is checked against /openapi.json.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { dashboardDir } from '../src/http/static-files.js';
import type { Gateway } from '../src/gateway.js';
import { ADMIN, adminGateway } from './admin-helpers.js';
import { loggedIn, PWD } from './helpers.js';
import { api, API_KEY, apiGateway, apiKeyEntry, expectError, type Answer } from './http-helpers.js';

describe('dashboard endpoints over HTTP (every answer checked against /openapi.json)', () => {
  const signIn = (gw: Gateway, body: unknown, key: string | null = null): Promise<Answer> => api(gw, 'POST', '/api/v1/session', { key, body });
  const cookieOf = (a: Answer): string => String(a.headers['set-cookie']).split(';')[0]!;

  it('refuses state-changing requests that carry the cookie without the CSRF header', async () => {
    const gw = await apiGateway();
    const res = await signIn(gw, { name: ADMIN, pwd: PWD });
    expect(res.status).toBe(200);
    const { csrf, operator } = res.json as { csrf: string; operator: string };
    expect(operator).toBe(ADMIN);
    const setCookie = String(res.headers['set-cookie']);
    expect(setCookie).toMatch(/HttpOnly/);
    expect(setCookie).toMatch(/SameSite=Strict/);
    expect(setCookie).not.toMatch(/Secure/);
    const cookie = cookieOf(res);
    const kick = (headers: Record<string, string>): Promise<Answer> => api(gw, 'POST', '/api/v1/kick', { key: null, headers: { cookie, ...headers }, body: { domain: '', names: ['alice'] } });

    expectError(await kick({}), 401, 4105, 'x-tim-csrf');
    expectError(await kick({ 'x-tim-csrf': 'forged' }), 401, 4105, 'x-tim-csrf');
    expect((await kick({ 'x-tim-csrf': csrf })).json).toEqual({ kicked: 0 });
    // reading needs no CSRF token
    expect((await api(gw, 'GET', '/api/v1/stats', { key: null, headers: { cookie } })).status).toBe(200);

    // sign-out needs the header too; afterwards the cookie is worthless
    const out = (headers: Record<string, string>): Promise<Answer> => api(gw, 'DELETE', '/api/v1/session', { key: null, headers: { cookie, ...headers } });
    expectError(await out({}), 401, 4105);
    expect((await out({ 'x-tim-csrf': csrf })).json).toEqual({ signedOut: true });
    expectError(await api(gw, 'GET', '/api/v1/stats', { key: null, headers: { cookie } }), 401, 4105);
    expect((await api(gw, 'GET', '/api/v1/session', { key: null, headers: { cookie } })).json).toEqual({ operator: null });
  });

  it('signs in with an API key too; a wrong key is refused', async () => {
    const gw = await apiGateway();
    const res = await signIn(gw, undefined, API_KEY);
    expect(res.status).toBe(200);
    expect((res.json as { operator: string }).operator).toBe(`key:${apiKeyEntry.name}`);
    const who = await api(gw, 'GET', '/api/v1/session', { key: null, headers: { cookie: cookieOf(res) } });
    expect((who.json as { operator: string }).operator).toBe('key:crm');
    expectError(await signIn(gw, undefined, 'tim_not-a-key'), 401, 4105);
  });

  it('throttles wrong passwords per address like ADMAUTH: 401 then 429 with 5105', async () => {
    const gw = await apiGateway({ admin_auth_failures: { per_second: 0.001, burst: 2 } });
    const codes: number[] = [];
    for (let i = 0; i < 3; i++) codes.push((await signIn(gw, { name: ADMIN, pwd: 'wrong' })).status);
    expect(codes).toEqual([401, 401, 429]);
    expectError(await signIn(gw, { name: ADMIN, pwd: PWD }), 429, 5105);
  });

  it('answers bad sign-in requests with the section-13 error shape', async () => {
    const gw = await apiGateway();
    expectError(await signIn(gw, { name: ADMIN }), 400, 4104, 'pwd');
    expectError(await signIn(gw, { name: ADMIN, pwd: PWD, x: 1 }), 400, 4104, 'x is not a known field');
    expectError(await signIn(gw, { name: ADMIN, pwd: PWD, constructor: 1 }), 400, 4104, 'constructor is not a known field'); // not taken for a field of every object
    // with an API key the body is read and checked all the same: no unknown field, bounded by max_frame
    expectError(await api(gw, 'POST', '/api/v1/session', { body: { x: 1 } }), 400, 4104, 'x is not a known field');
    expectError(await api(gw, 'POST', '/api/v1/session', { body: { name: 'n'.repeat(70_000) } }), 413, 4114);
    expectError(await api(gw, 'POST', '/api/v1/session', { key: null, body: 'x', headers: { 'content-type': 'text/plain' } }), 415, 4113);
    expect((await api(gw, 'PUT', '/api/v1/session', { key: null })).status).toBe(405);
    expectError(await api(gw, 'DELETE', '/api/v1/session', { key: null }), 401, 4105);
  });

  it('answers the limits of a domain and the nodes (embedded: this node)', async () => {
    const gw = await apiGateway({ device_limit: 2, domains: { acme: { device_limit: 5, overentry: 'kick' } } });
    await loggedIn(gw, { name: 'alice' });
    expect((await api(gw, 'GET', '/api/v1/limits?domain=acme')).json).toEqual({ domain: 'acme', device_limit: 5, devicetype_limit: 1, overentry: 'kick', auth_min_unix: 0 });
    expect((await api(gw, 'GET', '/api/v1/limits')).json).toEqual({ domain: '', device_limit: 2, devicetype_limit: 1, overentry: 'reject', auth_min_unix: 0 });
    expectError(await api(gw, 'GET', `/api/v1/limits?domain=${'d'.repeat(129)}`), 400, 4104, 'domain');
    expect((await api(gw, 'GET', '/api/v1/gateways')).json).toEqual({ mode: 'embedded', gateways: [{ id: gw.id, sessions: 1, lease: 'none', expires: 0 }] });
    expectError(await api(gw, 'GET', '/api/v1/gateways', { key: null }), 401, 4105);
  });

  it('serves the page with a strict CSP, and the bundle stays under 100 KB gzipped', async () => {
    const gw = await adminGateway();
    const res = await fetch(`${gw.adminHttpUrl}/`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-security-policy')).toMatch(/default-src 'none'; script-src 'self'/);
    expect(await res.text()).toMatch(/<script type="module" src="\/app.js">/);
    expect(existsSync(join(dashboardDir, 'app.js'))).toBe(true);
    const gz = ['app.js', 'style.css', 'index.html'].reduce((n, f) => n + gzipSync(readFileSync(join(dashboardDir, f))).length, 0);
    expect(gz).toBeLessThan(100 * 1024);
  });
});
