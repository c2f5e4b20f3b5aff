/**
 * Webhooks (PROTOCOL.md section 12) against receivers started here: signed
 * batches in order, retries after failures without loss or duplicates, a dead
 * receiver that neither slows logins nor grows memory past webhook_queue, and
 * one delivery per event in a 2-node cluster.
 */
import { performance } from 'node:perf_hooks';
import { afterAll, describe, expect, it } from 'vitest';
import type { Gateway } from '../src/gateway.js';
import { retryDelay, RETRY_BASE_MS, RETRY_MAX_MS } from '../src/webhooks/backoff.js';
import type { PresenceJson } from '../src/protocol/presence-json.js';
import { adminGateway, adminOf } from './admin-helpers.js';
import { connect, loggedIn, metricValue, PWD, startGateway, waitFor } from './helpers.js';
import { signatureValid, startService, type SeenRequest } from './support/http-service.js';
import { RedisServer, redisSuitesEnabled } from './support/redis-server.js';

const SECRET = 'webhook-secret';
const fast = { login_rate_ip: { per_second: 100000, burst: 100000 }, login_rate_account: { per_second: 100000, burst: 100000 }, password_checks: { concurrent: 4, queued: 100_000, per_ip: 100_000 } };

interface Batch {
  readonly gateway: string;
  readonly events: PresenceJson[];
}

/** A receiver that answers each batch with `status(n)` (n = 0, 1, ...) and keeps the batches it answered 2xx. */
async function receiver(status: (n: number) => number | null = () => 200) {
  const accepted: Batch[] = [];
  let n = 0;
  const svc = await startService((req: SeenRequest, res) => {
    const code = status(n++);
    if (code === null) return; // never answers
    if (code >= 200 && code < 300 && signatureValid(req, SECRET)) accepted.push(JSON.parse(req.body) as Batch);
    res.writeHead(code).end();
  });
  return { svc, accepted, events: () => accepted.flatMap((b) => b.events) };
}

describe('webhooks', () => {
  it('retries back off exponentially with jitter, up to a cap', () => {
    expect([1, 2, 3].map((a) => retryDelay(a, 0))).toEqual([RETRY_BASE_MS / 2, RETRY_BASE_MS, RETRY_BASE_MS * 2]);
    expect([1, 2, 3].map((a) => retryDelay(a, 0.999))).toEqual([RETRY_BASE_MS, RETRY_BASE_MS * 2, RETRY_BASE_MS * 4].map((d) => Math.round(d - d / 2000)));
    expect(retryDelay(50, 0.999)).toBeLessThanOrEqual(RETRY_MAX_MS);
    expect(retryDelay(50, 0)).toBe(RETRY_MAX_MS / 2);
  });

  it('posts ONLINE then OFFLINE of a login and logout, in order, signed, with the section 12 fields', async () => {
    const r = await receiver();
    const gw = await startGateway({ webhooks: [{ url: r.svc.url, secret: SECRET }] });
    const c = await loggedIn(gw, { name: 'alice', termtyp: 2, resource: 'phone' });
    await c.logout();
    await waitFor(() => r.events().length >= 2, 5000, 'two events');
    expect(r.svc.requests.every((q) => signatureValid(q, SECRET))).toBe(true);
    expect(r.accepted[0]!.gateway).toBe(gw.id);
    const [online, offline] = r.events();
    expect(online).toEqual({ kind: 'online', domain: '', name: 'alice', ssid: expect.any(String), resource: 'phone', termtyp: 2, ip: '127.0.0.1', time: expect.any(Number), reason: 'login' });
    expect(offline).toMatchObject({ kind: 'offline', ssid: online!.ssid, reason: 'logout' });
    expect(await metricValue(gw, 'tim_webhook_deliveries_total{hook="0",result="ok"}')).toBeGreaterThanOrEqual(1);
  });

  it('a receiver answering 500 three times then 200 gets every event exactly once, in order', async () => {
    const r = await receiver((n) => (n < 3 ? 500 : 200));
    const gw = await startGateway({ webhooks: [{ url: r.svc.url, secret: SECRET, events: ['online', 'offline'] }], device_limit: 50, devicetype_limit: 50, ...fast });
    const ssids: string[] = [];
    for (let i = 0; i < 10; i++) {
      const c = await loggedIn(gw, { name: 'bob', resource: `d${i}` });
      ssids.push((await c.sessions()).self!.ssid);
      await c.logout();
    }
    await waitFor(() => r.events().length >= 20, 20000, 'all events');
    expect(r.events().map((e) => [e.kind, e.ssid])).toEqual(ssids.flatMap((s) => [['online', s], ['offline', s]]));
    expect(r.svc.requests.length).toBeGreaterThanOrEqual(4);
    expect(await metricValue(gw, 'tim_webhook_deliveries_total{hook="0",result="bad_status"}')).toBe(3);
  });

  it('a receiver that never answers does not delay logins; once its queue is full events are dropped and counted', async () => {
    const dead = await receiver(() => null);
    const plain = await startGateway({ device_limit: 1000, devicetype_limit: 1000, ...fast });
    const hooked = await startGateway({ webhooks: [{ url: dead.svc.url, secret: SECRET }], webhook_queue: 50, webhook_timeout: 60, device_limit: 1000, devicetype_limit: 1000, ...fast });
    const measure = async (gw: Gateway) => {
      const times: number[] = [];
      for (let i = 0; i < 150; i++) {
        const c = await connect(gw);
        const t0 = performance.now();
        const ack = await c.login({ name: 'carol', pwd: PWD, resource: `r${i}` });
        times.push(performance.now() - t0);
        expect(ack.ok).toBe(true);
      }
      times.sort((a, b) => a - b);
      return { median: times[times.length >> 1]!, p95: times[Math.floor(times.length * 0.95)]! };
    };
    const without = await measure(plain);
    const withDead = await measure(hooked);
    console.log(`login latency without webhook: median ${without.median.toFixed(2)} ms, p95 ${without.p95.toFixed(2)} ms; with a dead webhook: median ${withDead.median.toFixed(2)} ms, p95 ${withDead.p95.toFixed(2)} ms`);
    await waitFor(() => dead.svc.requests.length >= 1, 5000, 'the first batch');
    expect(dead.svc.requests).toHaveLength(1); // one batch in flight, nothing else sent meanwhile
    // webhook_queue bounds the events kept, the batch being delivered included
    const inFlight = (JSON.parse(dead.svc.requests[0]!.body) as Batch).events.length;
    expect(inFlight).toBeGreaterThan(0);
    expect(await metricValue(hooked, 'tim_webhook_queue_length{hook="0"}')).toBe(50 - inFlight);
    expect(await metricValue(hooked, 'tim_webhook_dropped_total{hook="0"}')).toBe(150 - 50);
  });
});

const clusterSuite = redisSuitesEnabled() ? describe : describe.skip;

clusterSuite('webhooks in a 2-node cluster (real redis-server)', () => {
  let redis: RedisServer | undefined;
  afterAll(async () => redis?.stop());

  it('each event arrives once, posted by the node it happened on', async () => {
    redis ??= await RedisServer.start();
    const r = await receiver();
    const cluster = { webhooks: [{ url: r.svc.url, secret: SECRET }], device_limit: 1, overentry: 'kick', redis: { url: redis.url, prefix: `wh${Date.now()}:` } };
    const a = await adminGateway({ ...cluster, gateway_id: 'node-a' });
    const b = await adminGateway({ ...cluster, gateway_id: 'node-b' });
    const onA = await loggedIn(a, { name: 'dave' });
    await loggedIn(b, { name: 'dave' }); // kicks the session on A
    await onA.closed;
    await (await adminOf(a)).kick({ names: ['dave'] }); // kicks the session on B
    await waitFor(() => r.events().length >= 4, 5000, 'four events');
    await new Promise((resolve) => setTimeout(resolve, 500)); // a duplicate would come within a batch window
    const seen = r.accepted.flatMap((batch) => batch.events.map((e) => [batch.gateway, e.kind, e.reason]));
    expect(seen).toHaveLength(4);
    expect(seen).toEqual(
      expect.arrayContaining([
        ['node-a', 'online', 'login'],
        ['node-b', 'online', 'login'],
        ['node-b', 'kicked', 'new_login'],
        ['node-a', 'kicked', 'admin'],
      ]),
    );
  });
});
