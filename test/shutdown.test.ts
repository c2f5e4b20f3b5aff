/**
 * Graceful shutdown of a real `tim-gateway serve` process (dist/ built by
 * `npm test`'s pretest): SIGTERM/SIGINT close every client with 1001, remove
 * the node's sessions from the table (checked in cluster mode from another
 * node, when redis-server is installed) and exit 0; a second signal exits at
 * once with 130.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { describe, expect, it } from 'vitest';
import { packageRoot } from '../src/package-root.js';
import { MemoryRegistry } from '../src/session/memory-registry.js';
import { LocalBus } from '../src/session/bus.js';
import { connect, loggedIn, onCleanup, PWD, startGateway, tempDir, waitFor, writeUsers } from './helpers.js';
import { rawUpgrade } from './raw-upgrade.js';
import { redisAvailable, RedisServer } from './redis-server.js';

/** A gateway process and what it has printed. */
interface Served {
  readonly proc: ChildProcess;
  readonly clientUrl: string;
  /** Every JSON log line so far. */
  readonly lines: Record<string, unknown>[];
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Runs `node dist/src/cli/main.js serve -c <tmp>/tim.json` on loopback port 0 and waits for "gateway listening". */
async function serve(extra: Record<string, unknown> = {}): Promise<Served> {
  const dir = tempDir();
  await writeUsers(dir);
  const timJson = join(dir, 'tim.json');
  writeFileSync(timJson, JSON.stringify({ client_listen: '127.0.0.1:0', admin_listen: '127.0.0.1:0', auth_min_unix: 0, ...extra }));
  const proc = spawn(process.execPath, [join(packageRoot, 'dist', 'src', 'cli', 'main.js'), 'serve', '-c', timJson], { stdio: ['ignore', 'pipe', 'inherit'] });
  const exited = once(proc, 'exit').then(([code, signal]) => ({ code: code as number | null, signal: signal as NodeJS.Signals | null }));
  onCleanup(async () => {
    if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL');
  });
  const lines: Record<string, unknown>[] = [];
  const listening = new Promise<string>((resolve, reject) => {
    createInterface({ input: proc.stdout! }).on('line', (l) => {
      const line = JSON.parse(l) as Record<string, unknown>;
      lines.push(line);
      if (line.msg === 'gateway listening') resolve(String(line.client));
    });
    void exited.then((e) => reject(new Error(`gateway exited before listening: ${JSON.stringify(e)}`)));
  });
  return { proc, clientUrl: await listening, lines, exited };
}

const logged = (s: Served, msg: string): boolean => s.lines.some((l) => l.msg === msg);

/** A socket that completes the WebSocket handshake and then never reads nor answers (it ignores the close handshake). */
async function deafSocket(url: string): Promise<void> {
  const { socket, status } = rawUpgrade(url);
  expect(await status).toBe(101);
  socket.pause();
}

describe('graceful shutdown of a served process', () => {
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    it(`${signal}: clients are closed with 1001, the process logs "stopped" and exits 0`, async () => {
      const gw = await serve();
      const alice = await loggedIn(gw.clientUrl, { name: 'alice' });
      const bob = await loggedIn(gw.clientUrl, { name: 'bob', domain: 'acme' });
      const idle = await connect(gw.clientUrl);
      gw.proc.kill(signal);
      for (const c of [alice, bob, idle]) expect(await c.closed).toEqual({ code: 1001, reason: 'gateway shutting down' });
      expect(await gw.exited).toEqual({ code: 0, signal: null });
      expect(logged(gw, 'signal received') && logged(gw, 'shutting down') && logged(gw, 'stopped')).toBe(true);
    });
  }

  it('a second signal during shutdown exits at once with 130', async () => {
    const gw = await serve();
    await loggedIn(gw.clientUrl, { name: 'alice' });
    await deafSocket(gw.clientUrl); // keeps the shutdown waiting for its close handshake (up to a second)
    gw.proc.kill('SIGTERM');
    await waitFor(() => logged(gw, 'signal received'), 10_000, 'the first signal to be logged');
    gw.proc.kill('SIGINT');
    expect(await gw.exited).toEqual({ code: 130, signal: null });
    expect(logged(gw, 'stopped')).toBe(false);
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

describe.skipIf(!redisAvailable)('graceful shutdown in cluster mode', () => {
  it('SIGTERM removes the node\'s sessions from the shared table at once: another node sees them gone and lets the account log in', async () => {
    const redis = await RedisServer.start();
    onCleanup(() => redis.stop());
    const cluster = { redis: { url: redis.url, lease_ttl: 600 } };
    const a = await serve(cluster);
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
});
