/**
 * GET /api/v1/events (PROTOCOL.md section 13): ADMSUB's presence events as
 * Server-Sent Events in the order they happened, each `data:` the section 12
 * JSON (checked against /openapi.json), a heartbeat comment, the domain
 * filter, and a subscriber that stops reading is dropped.
 */
import { Ajv2020 } from 'ajv/dist/2020.js';
import { describe, expect, it } from 'vitest';
import { connect, loggedIn, waitFor } from './helpers.js';
import { api, apiGateway, call, expectError, subscribe, type Message } from './http-helpers.js';

const events = (messages: Message[]) => messages.filter((m): m is { event: string; data: Record<string, unknown> } => 'event' in m);

describe('GET /api/v1/events', () => {
  it('delivers online, kicked, offline in the order they happened, with heartbeats, as documented', async () => {
    const gw = await apiGateway({ overentry: 'kick', sse_heartbeat: 0.05 });
    const { messages } = await subscribe(gw);
    const first = await loggedIn(gw, { name: 'alice', resource: 'phone' });
    const second = await loggedIn(gw, { name: 'alice', resource: 'pad' });
    await first.closed;
    await second.close();
    await waitFor(() => events(messages).length >= 4, 5000, 'four events');
    const got = events(messages).map((m) => [m.event, m.data.ssid, m.data.reason]);
    expect(got).toEqual([
      ['online', first.lastLogin!.n2, 'login'],
      ['kicked', first.lastLogin!.n2, 'new_login'],
      ['online', second.lastLogin!.n2, 'login'],
      ['offline', second.lastLogin!.n2, expect.any(String)],
    ]);
    for (const m of events(messages)) {
      expect(m.data).toMatchObject({ kind: m.event, domain: '', name: 'alice', termtyp: 0 });
      expect(typeof m.data.time).toBe('number');
    }
    await waitFor(() => messages.some((m) => 'comment' in m && m.comment === 'heartbeat'), 5000, 'a heartbeat');
    const ajv = new Ajv2020({ strict: false });
    ajv.addSchema((await call(gw.adminHttpUrl, 'GET', '/openapi.json', { key: null })).json as object, 'openapi');
    const validate = ajv.getSchema('openapi#/paths/~1api~1v1~1events/get/responses/200/content/text~1event-stream/schema')!;
    for (const m of events(messages)) expect(validate(m.data), ajv.errorsText(validate.errors)).toBe(true);
  });

  it('?domain= keeps only that domain; a bad request is refused like any other', async () => {
    const gw = await apiGateway();
    const { messages } = await subscribe(gw, '?domain=acme');
    await loggedIn(gw, { name: 'alice' });
    const acme = await loggedIn(gw, { name: 'bob', domain: 'acme' });
    await waitFor(() => events(messages).length >= 1, 5000, 'the acme event');
    expect(events(messages).map((m) => [m.data.domain, m.data.ssid])).toEqual([['acme', acme.lastLogin!.n2]]);
    expectError(await api(gw, 'GET', `/api/v1/events?domain=${'d'.repeat(300)}`), 400, 4104, 'domain');
    expectError(await api(gw, 'GET', '/api/v1/events', { key: null }), 401, 4105);
    expectError(await api(gw, 'POST', '/api/v1/events'), 405, 4104);
  });

  it('drops a subscriber that stops reading, while a reading one gets every event', async () => {
    const gw = await apiGateway({ max_buffered: 65536, max_field_bytes: 8192, login_rate_ip: { per_second: 1e6, burst: 1e6 }, refusal_events_ip: { per_second: 1e6, burst: 1e6 } });
    const reader = await subscribe(gw);
    const stalled = await subscribe(gw);
    stalled.res.pause();
    const c = await connect(gw);
    const resource = 'r'.repeat(8000);
    let sent = 0;
    const dropped = async (): Promise<boolean> => /tim_http_event_streams_dropped_total 1/.test((await call(gw.adminHttpUrl, 'GET', '/metrics', { key: null })).text);
    while (!(await dropped())) {
      for (let i = 0; i < 50; i++) expect((await c.login({ name: '', pwd: 'x', resource })).error?.code).toBe(4104);
      sent += 50;
      expect(sent, 'events sent before the stalled subscriber was dropped').toBeLessThan(5000);
    }
    await waitFor(() => events(reader.messages).length === sent, 10_000, 'every event at the reading subscriber');
    expect(events(reader.messages).every((m) => m.event === 'rejected' && m.data.reason === 'bad_parameter')).toBe(true);
    expect((await call(gw.adminHttpUrl, 'GET', '/metrics', { key: null })).text).toMatch(/tim_http_event_streams 1/);
  });
});
