/**
 * The test servers' ports when test files run in parallel: a port picked free
 * can be taken before the server binds it, or while it restarts on it. The
 * helpers (test/support) then start on another pick, or wait for the port,
 * and never mistake another test's server for their own.
 */
import { createServer, type Server, type Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import { freePort, portFree } from './support/free-port.js';
import { GatewayProcess } from './support/gateway-process.js';
import { RedisServer, redisSuitesEnabled } from './support/redis-server.js';
import { onCleanup } from './helpers.js';

/** A plain TCP listener (not Redis: it never answers) on `port`; `release` closes it and its connections, at the latest after the test. */
async function hold(port: number): Promise<{ release: () => void }> {
  const srv: Server = createServer((socket) => socket.on('error', () => {}));
  const sockets = new Set<Socket>();
  srv.on('connection', (socket) => sockets.add(socket));
  await new Promise<void>((resolve) => srv.listen(port, '127.0.0.1', resolve));
  let released = false;
  const release = (): void => {
    if (released) return;
    released = true;
    srv.close();
    for (const s of sockets) s.destroy();
  };
  onCleanup(async () => release());
  return { release };
}

describe('picked ports', () => {
  it('are free, below the ephemeral range, with the asked offset free too', async () => {
    const port = await freePort(10_000);
    expect(await portFree(port)).toBe(true);
    expect(await portFree(port + 10_000)).toBe(true);
    expect(port + 10_000).toBeLessThan(32_768);
  });

  it('a gateway on a fixed port held for a moment starts once the port is released', { timeout: 60_000 }, async () => {
    const port = await freePort();
    const held = await hold(port);
    setTimeout(held.release, 600);
    const gw = await GatewayProcess.start({ client_listen: `127.0.0.1:${port}` });
    onCleanup(() => gw.stop('SIGKILL'));
    expect(new URL(gw.clientUrl).port).toBe(String(port));
    expect(gw.stderr).toBe('');
  });
});

describe.skipIf(!redisSuitesEnabled())('redis-server on a contested port', () => {
  it('starts on the next pick when another redis-server holds the first, and answers as itself', { timeout: 60_000 }, async () => {
    const other = await RedisServer.start();
    onCleanup(() => other.stop());
    const free = await freePort();
    const picks = [other.port, free];
    const mine = await RedisServer.start([], async () => picks.shift()!);
    onCleanup(() => mine.stop());
    expect(mine.port).toBe(free);
    const c = mine.client();
    onCleanup(async () => c.disconnect());
    expect(await c.info('server')).toContain(`process_id:${mine.pid}`);
  });

  it('restarted on its port while something holds it, waits and starts once it is released', { timeout: 60_000 }, async () => {
    const redis = await RedisServer.start();
    onCleanup(() => redis.stop());
    await redis.stop();
    const held = await hold(redis.port);
    setTimeout(held.release, 600);
    await redis.resume();
    const c = redis.client();
    onCleanup(async () => c.disconnect());
    expect(await c.info('server')).toContain(`process_id:${redis.pid}`);
  });
});
