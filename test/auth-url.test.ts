/**
 * auth_url (PROTOCOL.md section 11) against real HTTP services started here:
 * answers accepted and refused, every failure fails closed with 5104, signed
 * bodies, per-account limits and extend from the answer, the in-flight bound.
 */
import { afterAll, describe, expect, it } from 'vitest';
import type { TimClient } from '../src/client/node.js';
import type { Gateway } from '../src/gateway.js';
import type { TimAck } from '../src/protocol/types.js';
import { adminGateway, adminOf } from './admin-helpers.js';
import { connect, metricValue, PWD, startGateway, waitFor } from './helpers.js';
import { sendJson, signatureValid, startService, type TestService } from './support/http-service.js';
import { RedisServer, redisSuitesEnabled } from './support/redis-server.js';

const SECRET = 'auth-secret-for-tests';
const busyLogins = { login_rate_ip: { per_second: 100000, burst: 100000 }, login_rate_account: { per_second: 100000, burst: 100000 }, unauth_per_ip: 10000 };

/** A user service: "good"/"pw" and the token "app-token-1" of "tok" are accepted, "blocked" is 4110, "odd" answers code 4999, others ok:false. */
function userService(): Promise<TestService> {
  return startService((req, res) => {
    const b = JSON.parse(req.body) as { name: string; pwd: string; token: string };
    if (b.name === 'good' && b.pwd === 'pw') return sendJson(res, { ok: true });
    if (b.name === 'tok' && b.token === 'app-token-1') return sendJson(res, { ok: true });
    if (b.name === 'blocked') return sendJson(res, { ok: false, code: 4110, info: 'banned until Monday' });
    if (b.name === 'odd') return sendJson(res, { ok: false, code: 4999 });
    sendJson(res, { ok: false, info: 'unknown account' });
  });
}

async function loginAck(gw: Gateway | string, auth: Record<string, unknown>): Promise<{ c: TimClient; ack: TimAck }> {
  const c = await connect(gw);
  return { c, ack: await c.login(auth) };
}

describe('auth_url', () => {
  it('accepts and refuses as the service answers (4105, 4110 passed through, others 4105), signed, and never reads the users file', async () => {
    const svc = await userService();
    const gw = await startGateway({ auth_url: svc.url, auth_secret: SECRET });
    const good = await loginAck(gw, { name: 'good', pwd: 'pw', resource: 'phone', termtyp: 2, extend: { app: '1' } });
    expect(good.ack).toMatchObject({ ok: true, n2: expect.any(String), token: expect.stringMatching(/^r\./) });
    expect((await loginAck(gw, { name: 'tok', token: 'app-token-1' })).ack.ok).toBe(true);
    expect((await loginAck(gw, { name: 'alice', pwd: PWD })).ack.error).toMatchObject({ code: 4105, info: 'unknown account' });
    expect((await loginAck(gw, { name: 'blocked', pwd: 'x' })).ack.error).toMatchObject({ code: 4110, info: 'banned until Monday' });
    expect((await loginAck(gw, { name: 'odd', pwd: 'x' })).ack.error).toMatchObject({ code: 4105, info: 'permission denied' });
    // the gateway's own resume token is checked by the gateway, not the service
    const calls = svc.requests.length;
    expect((await loginAck(gw, { name: 'good', token: good.ack.token })).ack).toMatchObject({ ok: true, n2: good.ack.n2 });
    expect(svc.requests.length).toBe(calls);

    expect(svc.requests).toHaveLength(5);
    for (const r of svc.requests) {
      expect(r.method).toBe('POST');
      expect(r.headers['content-type']).toBe('application/json');
      expect(signatureValid(r, SECRET)).toBe(true);
      expect(signatureValid(r, 'another-secret')).toBe(false);
    }
    expect(JSON.parse(svc.requests[0]!.body)).toEqual({ domain: '', name: 'good', pwd: 'pw', token: '', resource: 'phone', termtyp: 2, ip: '127.0.0.1', extend: { app: '1' }, gateway: gw.id });
    expect(await metricValue(gw, 'tim_auth_calls_total{result="accepted"}')).toBe(2);
    expect(await metricValue(gw, 'tim_auth_calls_total{result="refused"}')).toBe(3);
    expect(await metricValue(gw, 'tim_auth_call_duration_seconds_count')).toBe(5);
  });

  it('an AUTH being decided when auth_timeout passes is answered: one accepted keeps its socket, one refused is then closed with 4003', async () => {
    let release!: () => void;
    const released = new Promise<void>((r) => (release = r));
    const svc = await startService(async (req, res) => {
      await released;
      sendJson(res, (JSON.parse(req.body) as { name: string }).name === 'good' ? { ok: true } : { ok: false });
    });
    const gw = await startGateway({ auth_url: svc.url, auth_timeout: 0.3, auth_url_timeout: 30 });
    const accepted = await connect(gw);
    const refused = await connect(gw);
    const acks = Promise.all([accepted.login({ name: 'good', pwd: 'pw' }), refused.login({ name: 'bad', pwd: 'pw' })]);
    await waitFor(() => svc.inFlight === 2, 10_000, 'both AUTHs at the service');
    // past both sockets' auth_timeout, while their AUTHs are being decided
    await new Promise((r) => setTimeout(r, 400));
    release();
    const [ok, no] = await acks;
    expect(ok.ok).toBe(true);
    expect(no.error?.code).toBe(4105);
    expect(await refused.closed).toMatchObject({ code: 4003 });
    await accepted.ping();
    expect((await gw.store.registry.stats(Date.now())).sessions).toBe(1);
  });

  it('any 2xx status with the answer object is an answer (201 accepted); 204 without a body fails closed', async () => {
    for (const [status, code] of [[201, null], [204, 5104]] as const) {
      const svc = await startService((_r, res) => sendJson(res, { ok: true }, status));
      const gw = await startGateway({ auth_url: svc.url });
      const { ack } = await loginAck(gw, { name: 'good', pwd: 'pw' });
      expect(ack.error?.code ?? null, `HTTP ${status}`).toBe(code);
    }
  });

  it('fails closed with 5104 on 500, bad JSON, a malformed answer, a hang past auth_url_timeout and a closed port', async () => {
    const status500 = await startService((_r, res) => sendJson(res, { ok: true }, 500));
    const notJson = await startService((_r, res) => {
      res.writeHead(200).end('ok: yes');
    });
    const badLimit = await startService((_r, res) => sendJson(res, { ok: true, device_limit: 'lots' }));
    const hangs = await startService(() => undefined);
    const closed = await startService(() => undefined);
    await closed.close();
    for (const [svc, result] of [[status500, 'bad_status'], [notJson, 'bad_answer'], [badLimit, 'bad_answer'], [hangs, 'timeout'], [closed, 'error']] as const) {
      const gw = await startGateway({ auth_url: svc.url, auth_url_timeout: 0.3 });
      const { ack } = await loginAck(gw, { name: 'good', pwd: 'pw' });
      expect(ack, svc.url).toMatchObject({ ok: false, error: { code: 5104 } });
      expect((await gw.store.registry.stats(Date.now())).sessions).toBe(0);
      expect(await metricValue(gw, `tim_auth_calls_total{result="${result}"}`)).toBe(1);
    }
  });

  it('keeps the answer\'s extend on the session over the client\'s, visible in SESSIONS and admin ONLINE', async () => {
    const svc = await startService((_r, res) => sendJson(res, { ok: true, extend: { plan: 'vip', uid: '42' } }));
    const gw = await adminGateway({ auth_url: svc.url });
    const { c, ack } = await loginAck(gw, { name: 'good', pwd: 'pw', extend: { app: 'web', plan: 'free' } });
    expect(ack.ok).toBe(true);
    const want = { app: 'web', plan: 'vip', uid: '42' };
    expect((await c.sessions()).self!.extend).toEqual(want);
    const [account] = await (await adminOf(gw)).online('', ['good']);
    expect(account!.sessions[0]!.extend).toEqual(want);
  });

  it('bounds calls in flight: with a hanging service, logins beyond auth_url_concurrency get 5105 at once', async () => {
    const hangs = await startService(() => undefined);
    // the hanging calls end at auth_url_timeout: long enough that all 300 AUTHs arrive first on a loaded machine
    const gw = await startGateway({ auth_url: hangs.url, auth_url_timeout: 10, ...busyLogins });
    const order: number[] = [];
    const clients = await Promise.all(Array.from({ length: 300 }, () => connect(gw)));
    const heapBefore = process.memoryUsage().heapUsed;
    const acks = await Promise.all(
      clients.map(async (c, i) => {
        const ack = await c.login({ name: `user${i}`, pwd: 'pw' });
        order.push(ack.error?.code ?? 0);
        return ack;
      }),
    );
    const codes = acks.map((a) => a.error?.code);
    expect(codes.filter((c) => c === 5105)).toHaveLength(44);
    expect(codes.filter((c) => c === 5104)).toHaveLength(256);
    // every 5105 came back while the 256 calls still hung (before the first 5104)
    expect(order.slice(0, 44).every((c) => c === 5105)).toBe(true);
    expect(hangs.maxInFlight).toBe(256);
    expect(await metricValue(gw, 'tim_auth_calls_total{result="busy"}')).toBe(44);
    console.log(`auth_url in-flight bound: heap ${((process.memoryUsage().heapUsed - heapBefore) / 1e6).toFixed(1)} MB after 300 logins against a hanging service`);
  });
});

const clusterSuite = redisSuitesEnabled() ? describe : describe.skip;

/** A service giving names starting with "vip" 2 devices and everyone else the domain's 1. */
function planService(): Promise<TestService> {
  return startService((req, res) => {
    const { name } = JSON.parse(req.body) as { name: string };
    sendJson(res, name.startsWith('vip') ? { ok: true, device_limit: 2, devicetype_limit: 2 } : { ok: true });
  });
}

async function limitRace(nodes: Gateway[]): Promise<{ vip: number; free: number }> {
  const run = (name: string) =>
    Promise.all(Array.from({ length: 50 }, async (_, i) => (await loginAck(nodes[i % nodes.length]!, { name, pwd: 'pw', termtyp: 1 })).ack));
  const [vip, free] = await Promise.all([run('vip1'), run('free1')]);
  for (const a of [...vip, ...free]) if (!a.ok) expect(a.error?.code).toBe(4111);
  return { vip: vip.filter((a) => a.ok).length, free: free.filter((a) => a.ok).length };
}

describe('auth_url per-account limits', () => {
  it('applies the answer\'s device_limit to this login: 2 for "vip", 1 for others, under 50 simultaneous logins of each', async () => {
    const svc = await planService();
    const gw = await startGateway({ auth_url: svc.url, device_limit: 1, devicetype_limit: 1, ...busyLogins });
    expect(await limitRace([gw])).toEqual({ vip: 2, free: 1 });
  });
});

clusterSuite('auth_url per-account limits in cluster mode (real redis-server)', () => {
  let redis: RedisServer | undefined;
  afterAll(async () => redis?.stop());

  it('applies the answer\'s limits across two nodes', async () => {
    redis ??= await RedisServer.start();
    const svc = await planService();
    const cluster = { auth_url: svc.url, device_limit: 1, devicetype_limit: 1, redis: { url: redis.url, prefix: `au${Date.now()}:` }, ...busyLogins };
    const a = await startGateway({ ...cluster, gateway_id: 'node-a' });
    const b = await startGateway({ ...cluster, gateway_id: 'node-b' });
    expect(await limitRace([a, b])).toEqual({ vip: 2, free: 1 });
  });
});
