/**
 * GET /healthz and GET /metrics on the admin listener, fetched over HTTP
 * after a scripted scenario, parsed, and checked counter by counter.
 */
import { describe, expect, it } from 'vitest';
import { TimAdminClient } from '../src/client/admin-client.js';
import type { TimClient } from '../src/client/node.js';
import { NoticeKind } from '../src/protocol/types.js';
import { adminGateway, adminOf } from './admin-helpers.js';
import { connect, loggedIn, onCleanup, PWD, startGateway, waitFor } from './helpers.js';
import { RedisServer, redisSuitesEnabled } from './support/redis-server.js';

/** Parses Prometheus text format into `name{labels}` → value. */
function parseMetrics(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})?\s+(\S+)$/.exec(line);
    if (!m) throw new Error(`not a metric line: ${line}`);
    out.set(`${m[1]}${m[2] ?? ''}`, Number(m[3]));
  }
  return out;
}

/** A login that must be refused with `code`; its socket is closed afterwards. */
async function refused(c: TimClient, auth: Parameters<TimClient['login']>[0], code: number): Promise<void> {
  expect((await c.login(auth)).error?.code).toBe(code);
  await c.close();
}

describe('/healthz and /metrics', () => {
  it('count connections, sessions, logins by result, kicks, notices, latency, admin requests and loop lag', async () => {
    const gw = await adminGateway();
    const admin = await adminOf(gw);
    const badAdmin = await TimAdminClient.open(gw.adminUrl);
    onCleanup(async () => badAdmin.terminate());
    await badAdmin.request(12, { name: 'ops', pwd: 'wrong' }).catch(() => null);

    const alice = await loggedIn(gw, { name: 'alice' }); // ok
    await refused(await connect(gw), { name: 'alice', pwd: PWD }, 4111); // over entry: alice gets LOGOUT_REQUEST
    await refused(await connect(gw), { name: 'bob', pwd: 'wrong' }, 4105);
    await refused(await connect(gw), { name: 'carol', token: 'l.nope.nope' }, 4115);
    await admin.kick({ names: ['dave'], blockSeconds: 60 });
    await refused(await connect(gw), { name: 'dave', pwd: PWD }, 4110);
    expect(await admin.notice({ names: ['alice'], dataString: 'hello' })).toBe(1);
    expect(await admin.kick({ names: ['alice'] })).toBe(1);
    await alice.closed;
    await loggedIn(gw, { name: 'bob' }); // ok
    expect(alice.notices.map((m) => m.odType)).toEqual([NoticeKind.LOGOUT_REQUEST, NoticeKind.INFO, NoticeKind.KICKED]);
    await waitFor(() => gw.clients.connections.size === 1, 5000, 'refused sockets to close');

    const health = await fetch(`${gw.adminHttpUrl}/healthz`);
    expect(health.status).toBe(200);
    expect(health.headers.get('content-type')).toBe('application/json');
    expect(await health.json()).toMatchObject({ status: 'ok', gateway: gw.id, mode: 'embedded', store: 'ok', connections: 1, sessions: 1 });

    const res = await fetch(`${gw.adminHttpUrl}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/plain');
    const m = parseMetrics(await res.text());
    const expected: Record<string, number> = {
      tim_connections: 1,
      tim_sessions: 1,
      'tim_logins_total{result="ok"}': 2,
      'tim_logins_total{result="4111"}': 1,
      'tim_logins_total{result="4105"}': 1,
      'tim_logins_total{result="4115"}': 1,
      'tim_logins_total{result="4110"}': 1,
      'tim_kicks_total{reason="admin"}': 1,
      'tim_kicks_total{reason="displaced"}': 0, // every reason of the kick table is listed from the start
      'tim_kicks_total{reason="new_login"}': 0,
      'tim_closes_total{code="4001"}': 1,
      'tim_closes_total{code="4004"}': 0,
      'tim_notices_total{kind="1"}': 1,
      'tim_notices_total{kind="2"}': 1,
      'tim_notices_total{kind="3"}': 1,
      tim_login_duration_seconds_count: 6,
      'tim_login_duration_seconds_bucket{le="+Inf"}': 6,
      tim_admin_connections: 1,
      'tim_admin_requests_total{type="auth",result="ok"}': 1,
      'tim_admin_requests_total{type="auth",result="4105"}': 1,
      'tim_admin_requests_total{type="kick",result="ok"}': 2,
      'tim_admin_requests_total{type="notice",result="ok"}': 1,
      tim_table_sessions: 1,
      tim_table_accounts: 1,
      tim_gateways: 1,
      tim_tokens: 1, // bob's resume token; alice's was revoked by the kick
      tim_store_reachable: 1,
    };
    for (const [key, value] of Object.entries(expected)) expect([key, m.get(key)]).toEqual([key, value]);
    expect(m.get('tim_event_loop_lag_seconds')).toBeGreaterThanOrEqual(0);
    expect(m.get('tim_process_resident_memory_bytes')).toBeGreaterThan(0);

    expect((await fetch(`${gw.adminHttpUrl}/nope`)).status).toBe(404);
  });

  it.skipIf(!redisSuitesEnabled())('cluster mode: while Redis is gone, /healthz answers 503 with store "unreachable" and tim_store_reachable is 0; both recover with it', async () => {
    const redis = await RedisServer.start();
    onCleanup(() => redis.stop());
    const gw = await startGateway({ redis: { url: redis.url, lease_ttl: 1, command_timeout: 0.5 } });
    const state = async () => {
      const h = await fetch(`${gw.adminHttpUrl}/healthz`);
      const m = parseMetrics(await (await fetch(`${gw.adminHttpUrl}/metrics`)).text());
      return { status: h.status, store: ((await h.json()) as { store: string }).store, reachable: m.get('tim_store_reachable') };
    };
    expect(await state()).toEqual({ status: 200, store: 'ok', reachable: 1 });
    await redis.stop();
    await waitFor(async () => (await state()).status === 503, 20_000, 'healthz to say the store is unreachable');
    expect(await state()).toEqual({ status: 503, store: 'unreachable', reachable: 0 });
    await redis.resume();
    await waitFor(async () => (await state()).status === 200, 30_000, 'healthz to recover');
    expect(await state()).toEqual({ status: 200, store: 'ok', reachable: 1 });
  }, 60_000);
});
