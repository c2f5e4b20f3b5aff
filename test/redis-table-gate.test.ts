/**
 * redis.write_concurrency / redis.write_queue: one node keeps at most
 * write_concurrency logins (and as many removals of closed sockets) in flight
 * on Redis, lets write_queue more wait in order, and answers logins beyond
 * 5104 at once, without sending them. Redis is
 * frozen (SIGSTOP: the connection stays open, nothing is answered) while a
 * burst of logins arrives, so what the node sent and what it held back can be
 * told apart: MONITOR, after Redis continues, shows the scripts it received.
 */
import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { TimClient } from '../src/client/node.js';
import { ErrorCode } from '../src/errors.js';
import { onCleanup, PWD, pwdHash, tempDir, waitFor, writeUsers } from './helpers.js';
import { TimAdminClient } from '../src/client/admin-client.js';
import { GatewayProcess } from './support/gateway-process.js';
import { TcpProxy } from './support/tcp-proxy.js';
import { RedisServer, redisSuitesEnabled } from './support/redis-server.js';

/** Freezes redis-server (SIGSTOP) until the returned thaw() (SIGCONT), or the test's end. */
function freeze(redis: RedisServer): () => void {
  process.kill(redis.pid, 'SIGSTOP');
  let frozen = true;
  const thaw = (): void => {
    if (frozen) process.kill(redis.pid, 'SIGCONT');
    frozen = false;
  };
  onCleanup(async () => thaw());
  return thaw;
}

describe.skipIf(!redisSuitesEnabled())('a burst of logins waits in the node, within redis.write_concurrency and write_queue', () => {
  it('2 in flight and 3 waiting: the other 3 answer 5104 at once, the 5 others log in once Redis answers', async () => {
    const redis = await RedisServer.start();
    onCleanup(() => redis.stop());
    const dir = tempDir();
    await writeUsers(dir);
    const gw = await GatewayProcess.start(
      { users: 'users.json', auth_timeout: 60, redis: { url: redis.url, lease_ttl: 600, command_timeout: 20, write_concurrency: 2, write_queue: 3 }, log_level: 'info' },
      { dir, name: 'gw-gate' },
    );
    onCleanup(() => gw.stop());
    const clients: TimClient[] = [];
    onCleanup(async () => clients.forEach((c) => c.terminate()));
    const login = async (name: string): Promise<{ name: string; code: number; info: string }> => {
      const c = await TimClient.connect(gw.clientUrl);
      clients.push(c);
      const ack = await c.login({ name, pwd: PWD });
      return { name, code: ack.ok ? 0 : (ack.error?.code ?? -1), info: ack.error?.info ?? '' };
    };
    // Redis knows the login script from here on (an EVALSHA answered NOSCRIPT late is not sent again)
    expect((await login('alice')).code).toBe(0);

    const probe = new Redis(redis.url);
    const monitor = await probe.monitor();
    onCleanup(async () => {
      monitor.disconnect();
      probe.disconnect();
    });
    const scripts: string[] = [];
    monitor.on('monitor', (_time: string, args: string[], source: string) => {
      if (source !== 'lua' && args[0]?.toLowerCase() === 'evalsha') scripts.push(args.find((a) => a.startsWith('{"ssid"')) ?? '');
    });

    const thaw = freeze(redis);
    const names = ['u0', 'u1', 'u2', 'u3', 'u4', 'u5', 'u6', 'u7'];
    const answers: { name: string; code: number; info: string }[] = [];
    const all = Promise.all(names.map(async (n) => answers.push(await login(n))));
    // the three over the bound are answered while Redis still answers nothing
    await waitFor(() => answers.length === 3, 20_000, 'the logins over the bound to be answered');
    expect(answers.map((a) => [a.code, a.info])).toEqual(Array(3).fill([ErrorCode.HEAVY_LOAD, 'too many logins waiting for the session store: try again']));
    const refused = answers.map((a) => a.name);

    thaw();
    await all;
    const admitted = names.filter((n) => !refused.includes(n));
    expect(answers.filter((a) => a.code === 0).map((a) => a.name).sort()).toEqual(admitted);
    // Redis received the login scripts of the five admitted, and none of the three refused
    await waitFor(() => scripts.length >= 5, 10_000, 'MONITOR to show the five login scripts');
    const sent = scripts.map((s) => (JSON.parse(s) as { name: string }).name);
    expect(sent.sort()).toEqual(admitted);
  }, 60_000);

  it('a mass close: 2 removals in flight while Redis is frozen, the others wait in the node (none fails), and all 6 sessions leave once it answers', async () => {
    const redis = await RedisServer.start();
    onCleanup(() => redis.stop());
    const proxy = await TcpProxy.start(redis.port);
    onCleanup(() => proxy.close());
    const dir = tempDir();
    await writeUsers(dir);
    const gw = await GatewayProcess.start(
      {
        users: 'users.json',
        admins: [{ name: 'ops', pwd: await pwdHash() }],
        heartbeat_interval: 3600,
        redis: { url: `redis://127.0.0.1:${proxy.port}`, lease_ttl: 600, command_timeout: 30, reconcile_interval: 3600, write_concurrency: 2 },
        log_level: 'info',
      },
      { dir, name: 'gw-close' },
    );
    onCleanup(() => gw.stop());
    const names = ['u0', 'u1', 'u2', 'u3', 'u4', 'u5'];
    const clients = await Promise.all(names.map(async (name) => {
      const c = await TimClient.connect(gw.clientUrl);
      onCleanup(async () => c.terminate());
      const ack = await c.login({ name, pwd: PWD });
      expect(ack.ok).toBe(true);
      return { c, ssid: ack.n2! };
    }));
    const admin = await TimAdminClient.connect(gw.adminUrl, { name: 'ops', pwd: PWD });
    onCleanup(async () => admin.terminate());
    const listed = async (): Promise<number> => (await admin.online('', names)).reduce((n, a) => n + a.sessions.length, 0);
    expect(await listed()).toBe(6);

    const thaw = freeze(redis);
    proxy.record();
    for (const { c } of clients) c.terminate();
    const sent = (): number => clients.filter(({ ssid }) => proxy.recorded.includes(ssid)).length;
    await waitFor(() => sent() === 2, 10_000, 'the first two removals to be sent');
    // a window for any further removal to go out (none may while those two are unanswered)
    await new Promise((r) => setTimeout(r, 300));
    expect(sent()).toBe(2);

    thaw();
    await waitFor(async () => (await listed()) === 0, 20_000, 'all six sessions to leave the table');
    expect(sent()).toBe(6);
    expect(gw.lines.filter((l) => String(l.msg).startsWith('could not remove a closed session'))).toEqual([]);
  }, 60_000);
});
