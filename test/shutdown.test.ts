/**
 * Graceful shutdown of a real `tim-gateway serve` process (dist/ built by
 * `npm test`'s pretest): SIGTERM/SIGINT close every client with 1001, remove
 * the node's sessions from the table (checked in cluster mode from another
 * node, when redis-server is installed) and exit 0; a second signal exits at
 * once with 130.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../src/logger.js';
import { NodeLease } from '../src/session/lease.js';
import { RedisKeys } from '../src/session/redis-keys.js';
import { RedisRegistry } from '../src/session/redis-registry.js';
import { MemoryRegistry } from '../src/session/memory-registry.js';
import { createEmbeddedStore } from '../src/session/embedded-store.js';
import { connect, loggedIn, onCleanup, PWD, serveGateway, startGateway, tempDir, waitFor } from './helpers.js';
import { builtCli } from './support/cli-process.js';
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

  for (const format of ['--json-logs', '--pretty']) {
    it(`SIGTERM exits 0 when the reader of its log (${format}) has gone away: lines are dropped, never waited on`, async () => {
      const dir = tempDir();
      writeFileSync(join(dir, 'tim.json'), JSON.stringify({ client_listen: '127.0.0.1:0', admin_listen: '127.0.0.1:0' }));
      const proc = spawn(process.execPath, [builtCli, 'serve', '-c', join(dir, 'tim.json'), format], { stdio: ['ignore', 'pipe', 'pipe'] });
      onCleanup(async () => void proc.kill('SIGKILL'));
      const exited = once(proc, 'exit');
      const lines = createInterface({ input: proc.stdout });
      for await (const line of lines) if (line.includes('gateway listening')) break;
      proc.stdout.destroy(); // like `serve | head -2`: the next line the gateway writes meets a closed pipe
      proc.kill('SIGTERM');
      expect(await exited).toEqual([0, null]);
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
    const gw = await startGateway({ device_limit: 2, gateway_id: 'node-a' }, { store: createEmbeddedStore('node-a', { registry }) });
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

  it('a second live process given the same gateway_id exits 1 naming it, leaving the first one\'s sessions alone; once the first is killed, a restart takes the id over', async () => {
    const redis = await RedisServer.start();
    onCleanup(() => redis.stop());
    const cluster = { gateway_id: 'gw-twin', redis: { url: redis.url, lease_ttl: 2 }, device_limit: 1 };
    const first = await serveGateway(cluster);
    const alice = await loggedIn(first.clientUrl, { name: 'alice' });
    await expect(serveGateway(cluster)).rejects.toThrow('gateway_id "gw-twin" is in use by another live gateway process');
    const raw = redis.client();
    onCleanup(async () => raw.disconnect());
    expect(await raw.hlen(new RedisKeys('tim:').sessions('', 'alice'))).toBe(1);
    expect(await alice.sessions()).toMatchObject({ self: { gateway: 'gw-twin' } }); // still logged in, still listed
    first.proc.kill('SIGKILL');
    await first.exited;
    const restarted = await serveGateway(cluster); // the killed process renews no more: its id is taken over and its session reaped
    expect(await (await connect(restarted.clientUrl)).login({ name: 'alice', pwd: PWD })).toMatchObject({ ok: true });
  }, 60_000);

  it('SIGTERM while Redis does not answer: the log says the sessions stay until the lease expires, and the exit code is 1', async () => {
    const redis = await RedisServer.start();
    onCleanup(() => redis.stop());
    const gw = await serveGateway({ redis: { url: redis.url, lease_ttl: 600, command_timeout: 0.5 } });
    await loggedIn(gw.clientUrl, { name: 'alice' });
    process.kill(redis.pid, 'SIGSTOP');
    onCleanup(async () => void process.kill(redis.pid, 'SIGCONT'));
    gw.proc.kill('SIGTERM');
    expect(await gw.exited).toEqual({ code: 1, signal: null });
    expect(gw.logged("could not remove this node's sessions: other nodes reap them once its lease expires (lease_ttl)")).toBe(true);
  }, 60_000);

  it('a session record of a node that holds no lease is reaped: at once by a restart with that gateway_id, else by the background reconciliation', async () => {
    const redis = await RedisServer.start();
    onCleanup(() => redis.stop());
    const raw = redis.client();
    onCleanup(async () => raw.disconnect());
    // logins that landed after their node removed its sessions and gave up its lease (the shutdown race), an hour ago
    const keys = new RedisKeys('tim:');
    const late = Date.now() - 3_600_000;
    for (const [name, gateway] of [['u9', 'gw-gone'], ['u8', 'gw-elsewhere']] as const) {
      const registry = new RedisRegistry({ client: raw, keys, gatewayId: gateway, lease: new NodeLease(raw, keys, gateway, 600_000, createLogger('silent', false)) });
      const session = { ssid: `orphan-${name}`, domain: '', name, resource: 'r', termtyp: 0, loginTime: late, refreshTime: late, ip: '127.0.0.1', gateway, connId: `c-${name}` };
      const token = { domain: '', name, ssid: session.ssid, hash: 'h', expires: Date.now() + 600_000 };
      expect((await registry.login({ session, limits: { deviceLimit: 1, typeLimit: 1, mode: 'reject', minAgeMs: 0 }, kick: [], token, now: late })).ok).toBe(true);
    }
    const cluster = { redis: { url: redis.url, lease_ttl: 600 }, device_limit: 1, log_level: 'info' };
    const restarted = await serveGateway({ ...cluster, gateway_id: 'gw-gone' }); // its reconciliation is a minute away
    expect(await raw.hexists(keys.sessions('', 'u9'), 'orphan-u9')).toBe(0);
    expect(await (await connect(restarted.clientUrl)).login({ name: 'u9', pwd: PWD })).toMatchObject({ ok: true });
    expect(await raw.hexists(keys.sessions('', 'u8'), 'orphan-u8')).toBe(1);
    const other = await serveGateway({ ...cluster, redis: { ...cluster.redis, reconcile_interval: 1 } });
    await waitFor(async () => (await raw.hexists(keys.sessions('', 'u8'), 'orphan-u8')) === 0, 30_000, 'the reconciliation to remove the orphan');
    expect(await other.waitForLog('removed sessions of a node that holds no lease')).toMatchObject({ sessions: 1 });
    expect(await (await connect(other.clientUrl)).login({ name: 'u8', pwd: PWD })).toMatchObject({ ok: true });
  }, 60_000);
});
