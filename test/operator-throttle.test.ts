/**
 * One failure budget per address for every operator credential: wrong API
 * keys on the HTTP API, wrong passwords and keys at the dashboard's sign-in
 * and wrong ADMAUTH passwords on the admin socket all take from the same
 * `admin_auth_failures` bucket of that address, so trying several doors does
 * not multiply the guesses per refill. Another address keeps its own budget.
 */
import { describe, expect, it } from 'vitest';
import type { Gateway } from '../src/gateway.js';
import { ADMIN, authCode } from './admin-helpers.js';
import { PWD } from './helpers.js';
import { api, API_KEY, apiGateway, expectError, type Answer } from './http-helpers.js';

const signIn = (gw: Gateway, body: unknown, key: string | null = null, localAddress?: string): Promise<Answer> => api(gw, 'POST', '/api/v1/session', { key, body, localAddress });

describe('operator credentials share one failure bucket per address', () => {
  it('a wrong key on the API, a wrong password and a wrong key at sign-in and a wrong ADMAUTH spend one budget of 4', async () => {
    const gw = await apiGateway({ admin_auth_failures: { per_second: 0.001, burst: 4 } });
    expectError(await api(gw, 'GET', '/api/v1/stats', { key: 'tim_wrong-1' }), 401, 4105);
    expectError(await signIn(gw, { name: ADMIN, pwd: 'wrong' }), 401, 4105);
    expectError(await signIn(gw, undefined, 'tim_wrong-2'), 401, 4105);
    expect(await authCode(gw, 'wrong')).toBe(4105);

    // each door saw at most two failures, yet every door is now shut to this address, right credentials included
    expectError(await api(gw, 'GET', '/api/v1/stats'), 429, 5105);
    expectError(await api(gw, 'GET', '/api/v1/stats', { key: 'tim_wrong-3' }), 429, 5105);
    expectError(await signIn(gw, { name: ADMIN, pwd: PWD }), 429, 5105);
    expectError(await signIn(gw, undefined, API_KEY), 429, 5105);
    expect(await authCode(gw, PWD)).toBe(5105);

    // another address has its own budget
    expect((await api(gw, 'GET', '/api/v1/stats', { localAddress: '127.0.0.2' })).status).toBe(200);
    expect((await signIn(gw, { name: ADMIN, pwd: PWD }, null, '127.0.0.2')).status).toBe(200);
    expect(await authCode(gw, PWD, ADMIN, '127.0.0.2')).toBe(0);
  });

  it('wrong ADMAUTH passwords shut the HTTP API to that address, and wrong API keys shut ADMAUTH', async () => {
    const gw = await apiGateway({ admin_auth_failures: { per_second: 0.001, burst: 2 } });
    expect(await authCode(gw, 'wrong')).toBe(4105);
    expect(await authCode(gw, 'wrong')).toBe(4105);
    expectError(await api(gw, 'GET', '/api/v1/stats'), 429, 5105);

    const other = '127.0.0.3';
    for (const key of ['tim_wrong-1', 'tim_wrong-2']) expectError(await api(gw, 'GET', '/api/v1/stats', { key, localAddress: other }), 401, 4105);
    expect(await authCode(gw, PWD, ADMIN, other)).toBe(5105);
  });
});
