/**
 * Redis Cluster: the master that owns an account's slot stops answering
 * (SIGSTOP: the connection stays open, nothing comes back). A login of that
 * account answers 5104 once command_timeout has passed, not at auth_timeout.
 * (A login of an account on another master goes on, unless the ssid index
 * entry of its new ssid falls on the stopped master: not asserted.) After SIGCONT nothing is
 * left half-written: the stalled login's script, which Redis still runs when
 * it wakes up, leaves no session behind, so the account (device_limit 1,
 * reject mode) logs in again, and ADMSTATS counts what ADMONLINE lists.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { describe, expect, it } from 'vitest';
import { TimAdminClient } from '../src/client/admin-client.js';
import { TimClient } from '../src/client/node.js';
import { keySlot } from '../src/session/key-slot.js';
import { RedisKeys } from '../src/session/redis-keys.js';
import { onCleanup, PWD, tempDir, waitFor } from './helpers.js';
import { cheapHash } from './support/cheap-hash.js';
import { GatewayProcess } from './support/gateway-process.js';
import { redisSuitesEnabled } from './support/redis-server.js';
import { RedisClusterServers } from './support/redis-topologies.js';

const COMMAND_TIMEOUT = 1;
const AUTH_TIMEOUT = 30;
const ADMIN = { name: 'ops', pwd: PWD };

describe.skipIf(!redisSuitesEnabled())('Redis Cluster: a master that does not answer', () => {
  it('a login on its slot answers 5104 after command_timeout; after SIGCONT no session is left half-written and the account logs in', async () => {
    const cluster = await RedisClusterServers.start(3);
    onCleanup(() => cluster.stop());
    // two accounts whose slots are on different masters
    const slotOf = (name: string): number => keySlot(new RedisKeys('tim:').tag('', name));
    const stalled = 'stalled';
    const owner = await cluster.ownerOf(slotOf(stalled));
    const candidates = Array.from({ length: 50 }, (_, i) => `other${i}`);
    let other = '';
    for (const name of candidates) {
      if ((await cluster.ownerOf(slotOf(name))) !== owner) {
        other = name;
        break;
      }
    }
    const dir = tempDir();
    const hash = await cheapHash(PWD);
    writeFileSync(join(dir, 'users.json'), JSON.stringify([stalled, other].map((name) => ({ domain: '', name, pwd: hash }))));
    const gw = await GatewayProcess.start(
      {
        gateway_id: 'gw-stall',
        users: 'users.json',
        admins: [{ name: ADMIN.name, pwd: hash }],
        device_limit: 1,
        overentry: 'reject',
        auth_timeout: AUTH_TIMEOUT,
        redis: { cluster: cluster.seeds, command_timeout: COMMAND_TIMEOUT, lease_ttl: 10 },
        log_level: 'info',
      },
      { dir, name: 'gw-stall' },
    );
    onCleanup(() => gw.stop());
    const clients: TimClient[] = [];
    onCleanup(async () => clients.forEach((c) => c.terminate()));
    const login = async (name: string): Promise<{ c: TimClient; code: number; ms: number; ssid: string }> => {
      const c = await TimClient.connect(gw.clientUrl);
      clients.push(c);
      const t0 = performance.now();
      const ack = await c.login({ name, pwd: PWD, resource: 'r' });
      return { c, code: ack.ok ? 0 : (ack.error?.code ?? -1), ms: performance.now() - t0, ssid: ack.n2 ?? '' };
    };
    // the slot map and the scripts are known before the stall
    const warm = await login(stalled);
    expect(warm.code).toBe(0);
    warm.c.terminate();
    const ops = await TimAdminClient.connect(gw.adminUrl, ADMIN);
    onCleanup(async () => ops.terminate());
    await waitFor(async () => (await ops.online('', [stalled]))[0]!.sessions.length === 0, 10_000, 'the warm-up session to leave');

    const master = cluster.servers.find((s) => s.port === owner)!;
    process.kill(master.pid, 'SIGSTOP');
    let resumed = false;
    const resume = (): void => {
      if (!resumed) process.kill(master.pid, 'SIGCONT');
      resumed = true;
    };
    onCleanup(async () => resume());
    const [hung, fine] = await Promise.all([login(stalled), login(other)]);
    resume();
    console.log(`stall: the login on the stopped master answered ${hung.code} after ${hung.ms.toFixed(0)} ms (command_timeout ${COMMAND_TIMEOUT} s); the one on another master ${fine.code} after ${fine.ms.toFixed(0)} ms`);
    expect(hung.code).toBe(5104);
    expect(hung.ms).toBeLessThan(AUTH_TIMEOUT * 1000); // an answer of the store's timeout, not of the auth timeout
    expect([0, 5104]).toContain(fine.code);
    hung.c.terminate();

    // the stalled login ran when Redis woke up; nothing of it may stay
    await cluster.waitHealthy();
    await waitFor(async () => (await ops.online('', [stalled]).catch(() => [{ sessions: [1] }]))[0]!.sessions.length === 0, 20_000, 'no session of the stalled login');
    const again = await login(stalled);
    expect(again.code).toBe(0);
    const listed = (await ops.online('', [stalled, other])).flatMap((a) => a.sessions.map((s) => s.ssid)).sort();
    const expected = fine.code === 0 ? [again.ssid, fine.ssid] : [again.ssid];
    expect(listed).toEqual(expected.sort());
    expect((await ops.stats()).sessions).toBe(expected.length);
  }, 120_000);
});
