/**
 * Sentinel: two gateway processes on a master + replica watched by three
 * sentinels (`redis.sentinels` + `redis.name`). The master is SIGKILLed in
 * the middle of a burst of logins: after the failover logins work again,
 * every socket that was logged in is still logged in and listed in the table
 * (a write the replica had not received is put back by the rejoin), and the
 * limits hold.
 */
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { TimAdminClient } from '../src/client/admin-client.js';
import { TimClient } from '../src/client/node.js';
import type { TimAck } from '../src/protocol/types.js';
import { onCleanup, PWD, pwdHash, tempDir, waitFor, writeUsers } from './helpers.js';
import { GatewayProcess } from './support/gateway-process.js';
import { redisSuitesEnabled } from './support/redis-server.js';
import { SentinelServers } from './support/redis-topologies.js';

const sentinelAvailable = spawnSync('redis-sentinel', ['--version'], { stdio: 'ignore' }).status === 0;
const LEASE_TTL = 2;
const DOWN_AFTER_MS = 1000;
const ADMIN = { name: 'ops', pwd: PWD };

describe.skipIf(!redisSuitesEnabled() || !sentinelAvailable)('Sentinel (master + replica + 3 sentinels)', () => {
  it('SIGKILL of the master during a login burst: logins work again after the failover, every logged-in socket stays logged in and listed, limits hold', async () => {
    const set = await SentinelServers.start(DOWN_AFTER_MS);
    onCleanup(() => set.stop());
    const dir = tempDir();
    const names = Array.from({ length: 100 }, (_, i) => `s${i}`);
    await writeUsers(dir, names.map((name) => ({ domain: '', name })));
    const hash = await pwdHash();
    const config = (id: string) => ({
      gateway_id: id,
      users: 'users.json',
      admins: [{ name: ADMIN.name, pwd: hash }],
      device_limit: 1,
      auth_timeout: 60,
      heartbeat_interval: 0.5,
      login_rate_ip: { per_second: 100000, burst: 100000 },
      login_rate_account: { per_second: 100000, burst: 100000 },
      password_checks: { concurrent: 4, queued: 100_000, per_ip: 100_000 }, // every client is on 127.0.0.1
      redis: { sentinels: set.seeds, name: set.name, lease_ttl: LEASE_TTL, command_timeout: 1 },
      log_level: 'info',
    });
    const gws = await Promise.all(['gw-s1', 'gw-s2'].map((id) => GatewayProcess.start(config(id), { dir, name: id })));
    onCleanup(() => Promise.all(gws.map((g) => g.stop())));
    const clients: TimClient[] = [];
    onCleanup(async () => clients.forEach((c) => c.terminate()));
    /** Logs account names[i] in on gateway `gw`. */
    const login = async (i: number, gw = i % 2): Promise<{ i: number; c: TimClient; ack: TimAck | null }> => {
      const c = await TimClient.connect(gws[gw]!.clientUrl);
      clients.push(c);
      return { i, c, ack: await c.login({ name: names[i]!, pwd: PWD, resource: `r${i}` }).catch(() => null) };
    };
    const settleMs = (LEASE_TTL + DOWN_AFTER_MS / 1000) * 1000 + 20_000;

    const before = await Promise.all(names.slice(0, 20).map((_, i) => login(i)));
    expect(before.every((r) => r.ack?.ok)).toBe(true);
    // the burst: 60 logins in flight while the master dies
    let answered = 0;
    const burst = Promise.all(names.slice(20, 80).map((_, k) => login(20 + k).finally(() => answered++)));
    await waitFor(() => answered >= 10, 30_000, 'the burst to be under way');
    const killedAt = Date.now();
    await set.master.stop();
    const during = await burst;
    expect(during.filter((r) => r.ack && !r.ack.ok).map((r) => r.ack!.error?.code).filter((code) => code !== 5104)).toEqual([]);

    let probe = 0;
    await waitFor(
      async () => {
        const r = await login(80 + (probe++ % 20)); // accounts no one else uses
        if (r.ack?.ok) return true;
        r.c.terminate();
        return false;
      },
      settleMs,
      'logins to work again after the failover',
    );
    console.log(`sentinel: logins work again ${Date.now() - killedAt} ms after the master was killed (lease_ttl ${LEASE_TTL} s, down-after ${DOWN_AFTER_MS} ms); ${during.filter((r) => r.ack?.ok).length}/60 of the burst logged in`);
    // the failover happened: the sentinel asked names the replica as master (the sentinel that led the failover
    // knows it at once, the others from its hello messages, every 2 s: a loaded machine saw the asked one lag)
    await waitFor(async () => (await set.masterPort()) === set.replica.port, settleMs, 'the sentinels to name the replica as master');

    // every socket that was logged in (before the kill or in the burst) is still logged in and in the table
    const logged = [...before, ...during].filter((r) => r.ack?.ok);
    const ops = await TimAdminClient.connect(gws[0]!.adminUrl, ADMIN);
    onCleanup(async () => ops.terminate());
    const listed = async (): Promise<Map<string, string[]>> => {
      const accounts = await ops.online('', names.slice(0, 80));
      return new Map(accounts.map((a) => [a.name, a.sessions.map((s) => s.ssid)]));
    };
    await waitFor(
      async () => {
        const table = await listed().catch(() => new Map<string, string[]>());
        return logged.every((r) => table.get(names[r.i]!)?.includes(r.ack!.n2!));
      },
      settleMs,
      'every logged-in socket to be listed',
    );
    for (const r of logged) await r.c.ping();
    // limits hold: one session per account (device_limit 1), and a second device is refused
    for (const ssids of (await listed()).values()) expect(ssids.length).toBeLessThanOrEqual(1);
    for (const r of logged.slice(0, 10)) {
      const again = await login(r.i, (r.i + 1) % 2); // on the other gateway
      expect(again.ack?.error?.code).toBe(4111);
    }
  }, 120_000);
});
