/**
 * An event stream opened with a dashboard session cookie never outlives that
 * session, over real HTTP: signing out ends exactly that cookie's stream
 * (another operator's and an API key's streams go on receiving events), and
 * a session that expires while only its stream is open ends the stream too.
 */
import { describe, expect, it } from 'vitest';
import type { Gateway } from '../src/gateway.js';
import { ADMIN } from './admin-helpers.js';
import { loggedIn, PWD, waitFor } from './helpers.js';
import { api, apiGateway, call, expectError, subscribe, type Subscription } from './http-helpers.js';

/** A fresh operator session on `gw`: its cookie header and CSRF token. */
async function signIn(gw: Gateway): Promise<{ cookie: string; csrf: string }> {
  const res = await api(gw, 'POST', '/api/v1/session', { key: null, body: { name: ADMIN, pwd: PWD } });
  expect(res.status).toBe(200);
  return { cookie: String(res.headers['set-cookie']).split(';')[0]!, csrf: (res.json as { csrf: string }).csrf };
}

const onlineEvents = (s: Subscription): number => s.messages.filter((m) => 'event' in m && m.event === 'online').length;
const openStreams = async (gw: Gateway): Promise<string> => /tim_http_event_streams (\d+)/.exec((await call(gw.adminHttpUrl, 'GET', '/metrics', { key: null })).text)![1]!;

describe('a dashboard session\'s event stream ends with the session', () => {
  it('sign-out ends that cookie\'s stream at once; other sessions\' and API keys\' streams go on', async () => {
    const gw = await apiGateway();
    const mine = await signIn(gw);
    const theirs = await signIn(gw);
    const myStream = await subscribe(gw, '', { cookie: mine.cookie });
    const theirStream = await subscribe(gw, '', { cookie: theirs.cookie });
    const keyStream = await subscribe(gw);
    expect(await openStreams(gw)).toBe('3');

    expect((await api(gw, 'DELETE', '/api/v1/session', { key: null, headers: { cookie: mine.cookie, 'x-tim-csrf': mine.csrf } })).status).toBe(200);
    await myStream.ended;
    expect(myStream.messages.at(-1)).toEqual({ comment: 'session ended' });
    expect(await openStreams(gw)).toBe('2');

    await loggedIn(gw, { name: 'alice' });
    await waitFor(() => onlineEvents(theirStream) === 1 && onlineEvents(keyStream) === 1, 5000, 'the ONLINE event on the two other streams');
    expect(onlineEvents(myStream)).toBe(0);
    expect(theirStream.res.complete).toBe(false);
    // the old cookie cannot open a new stream
    expectError(await call(gw.adminHttpUrl, 'GET', '/api/v1/events', { key: null, headers: { cookie: mine.cookie } }), 401, 4105);
  });

  it('a session that expires while only its stream is open (no request renews it) ends the stream', { timeout: 60_000 }, async () => {
    const gw = await apiGateway({ dashboard_session_ttl: 10 });
    const { cookie } = await signIn(gw);
    const stream = await subscribe(gw, '', { cookie });
    // nothing signs out: the session's idle deadline (dashboard_session_ttl) ends it
    await stream.ended;
    expect(stream.messages.at(-1)).toEqual({ comment: 'session ended' });
    expect((await api(gw, 'GET', '/api/v1/session', { key: null, headers: { cookie } })).json).toEqual({ operator: null });
    expect(await openStreams(gw)).toBe('0');
  });
});
