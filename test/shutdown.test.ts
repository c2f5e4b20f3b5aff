/**
 * Graceful shutdown of a real `tim-gateway serve` process (dist/ built by
 * `npm test`'s pretest): SIGTERM/SIGINT close every client with 1001, remove
 * the node's sessions from the table (checked in cluster mode from another
 * node, when redis-server is installed) and exit 0; a second signal exits at
 * once with 130.
 */
import { describe, expect, it } from 'vitest';
import { MemoryRegistry } from '../src/session/memory-registry.js';
import { LocalBus } from '../src/session/bus.js';
import { connect, loggedIn, onCleanup, PWD, serveGateway, startGateway } from './helpers.js';
import { rawUpgrade } from './raw-upgrade.js';
import { redisSuitesEnabled, RedisServer } from './support/redis-server.js';

/** A socket that completes the WebSocket handshake and then never reads nor answers (it ignores the close handshake). */
async function deafSocket(url: string): Promise<void> {
  const { socket, status } = rawUpgrade(url);
  expect(await status).toBe(101);
  socket.pause();
}

describe('graceful shutdown of a served process', () => {
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    it(`${signal}: clients are closed with 1001, the process logs "stopped" and exits 0`, async () => {
      const gw = await serveGateway();
      const alice = await loggedIn(gw.clientUrl, { name: 'alice' });
      const bob = await loggedIn(gw.clientUrl, { name: 'bob', domain: 'acme' });
      const idle = await connect(gw.clientUrl);
      gw.proc.kill(signal);
      for (const c of [alice, bob, idle]) expect(await c.closed).toEqual({ code: 1001, reason: 'gateway shutting down' });
      expect(await gw.exited).toEqual({ code: 0, signal: null });
      expect(gw.logged('signal received') && gw.logged('shutting down') && gw.logged('stopped')).toBe(true);
    });
  }

  it('a second signal during shutdown exits at once with 130', async () => {
    const gw = await serveGateway();
    await loggedIn(gw.clientUrl, { name: 'alice' });
    await deafSocket(gw.clientUrl); // keeps the shutdown waiting for its close handshake (up to a second)
    gw.proc.kill('SIGTERM');
    await gw.waitForLog('signal received');
    gw.proc.kill('SIGINT');
    expect(await gw.exited).toEqual({ code: 130, signal: null });
    expect(gw.logged('stopped')).toBe(false);
  });
});

describe('graceful shutdown in code', () => {
  it('removes the node\'s sessions from the table, closes clients with 1001 and stops accepting', async () => {
    const registry = new MemoryRegistry();
    const gw = await startGateway({ device_limit: 2, gateway_id: 'node-a' }, { store: { registry, bus: new LocalBus('node-a'), mode: 'embedded' } });
    const clients = await Promise.all([loggedIn(gw, { name: 'alice' }), loggedIn(gw, { name: 'alice' }), loggedIn(gw, { name: 'bob', domain: 'acme' })]);
    expect(await registry.list('', 'alice')).toHaveLength(2);
    await gw.close();
    for (const c of clients) expect((await c.closed).code).toBe(1001);
    expect(await registry.list('', 'alice')).toEqual([]);
    expect(await registry.list('acme', 'bob')).toEqual([]);
    await expect(connect(gw)).rejects.toThrow();
  });
});

describe.skipIf(!redisSuitesEnabled())('graceful shutdown in cluster mode', () => {
  it('SIGTERM removes the node\'s sessions from the shared table at once: another node sees them gone and lets the account log in', async () => {
    const redis = await RedisServer.start();
    onCleanup(() => redis.stop());
    const cluster = { redis: { url: redis.url, lease_ttl: 600 } };
    const a = await serveGateway(cluster);
    const b = await startGateway(cluster);
    const alice = await loggedIn(a.clientUrl, { name: 'alice' });
    expect(await b.store.registry.list('', 'alice')).toHaveLength(1);
    expect(await (await connect(b)).login({ name: 'alice', pwd: PWD })).toMatchObject({ ok: false, error: { code: 4111 } });
    a.proc.kill('SIGTERM');
    expect((await alice.closed).code).toBe(1001);
    expect(await a.exited).toEqual({ code: 0, signal: null });
    expect(await b.store.registry.list('', 'alice')).toEqual([]);
    expect(await (await connect(b)).login({ name: 'alice', pwd: PWD })).toMatchObject({ ok: true });
  });

  it('SIGTERM with password logins in flight: they settle or are refused before the node removes its sessions, so none is left behind', async () => {
    const redis = await RedisServer.start();
    onCleanup(() => redis.stop());
    const open = { per_second: 100_000, burst: 100_000 };
    const a = await serveGateway({ gateway_id: 'gw-term', redis: { url: redis.url, lease_ttl: 600 }, device_limit: 1000, devicetype_limit: 1000, login_rate_ip: open, login_rate_account: open, password_checks: { concurrent: 4, queued: 100_000, per_ip: 100_000 }, unauth_per_ip: 1000, auth_timeout: 120 });
    let firstLanded!: () => void;
    const landed = new Promise<void>((resolve) => (firstLanded = resolve));
    const attempts = Array.from({ length: 150 }, async (_, i) => {
      const c = await connect(a.clientUrl).catch(() => null);
      const ack = await c?.login({ name: `u${i % 10}`, pwd: PWD }).catch(() => null);
      if (ack?.ok) firstLanded();
    });
    await landed;
    a.proc.kill('SIGTERM');
    expect(await a.exited).toEqual({ code: 0, signal: null });
    await Promise.all(attempts);
    const raw = redis.client();
    onCleanup(async () => raw.disconnect());
    const left: string[] = [];
    for (const key of await raw.keys('tim:*:s')) for (const rec of await raw.hvals(key)) if ((JSON.parse(rec) as { gateway: string }).gateway === 'gw-term') left.push(key);
    expect(left).toEqual([]);
  }, 120_000);
});
