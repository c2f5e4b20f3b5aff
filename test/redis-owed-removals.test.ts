/**
 * Removals the table refuses while an account's slot migrates (every script on
 * a MIGRATING slot answers TRYAGAIN) are owed, not forgotten: the session of a
 * socket that closed meanwhile leaves the table within seconds of the slot
 * settling, without waiting for the node's next lease beat (and the rejoin
 * that a failed write schedules there), and a login the gateway answered 5104
 * meanwhile never ends up in the table, even if the cluster client still
 * carries it out late.
 */
import { describe, expect, it } from 'vitest';
import { TimAdminClient } from '../src/client/admin-client.js';
import { TimClient } from '../src/client/node.js';
import { ErrorCode } from '../src/errors.js';
import { keySlot } from '../src/session/key-slot.js';
import { RedisKeys } from '../src/session/redis-keys.js';
import { onCleanup, PWD, pwdHash, tempDir, waitFor, writeUsers } from './helpers.js';
import { GatewayProcess } from './support/gateway-process.js';
import { redisSuitesEnabled } from './support/redis-server.js';
import { RedisClusterServers } from './support/redis-topologies.js';

const ADMIN = { name: 'ops', pwd: PWD };

describe.skipIf(!redisSuitesEnabled())('removals owed while a slot migrates', () => {
  it('a closed socket and a refused login leave no session once the slot settles, long before the next lease beat', async () => {
    const cluster = await RedisClusterServers.start(3);
    onCleanup(() => cluster.stop());
    const dir = tempDir();
    await writeUsers(dir, [{ domain: '', name: 'alice' }]);
    const gw = await GatewayProcess.start(
      {
        gateway_id: 'gw-owe',
        users: 'users.json',
        admins: [{ name: ADMIN.name, pwd: await pwdHash() }],
        device_limit: 1,
        auth_timeout: 60,
        // a lease beat (and the rejoin a failed write schedules for it) every 150 s: not within this test
        redis: { cluster: cluster.seeds, lease_ttl: 600, command_timeout: 1 },
        log_level: 'info',
      },
      { dir, name: 'gw-owe' },
    );
    onCleanup(() => gw.stop());
    const ops = await TimAdminClient.connect(gw.adminUrl, ADMIN);
    onCleanup(async () => ops.terminate());
    const listed = async (): Promise<string[]> => (await ops.online('', ['alice'])).flatMap((a) => a.sessions.map((s) => s.ssid));

    const phone = await TimClient.connect(gw.clientUrl);
    onCleanup(async () => phone.terminate());
    const first = await phone.login({ name: 'alice', pwd: PWD, resource: 'phone' });
    expect(first.ok).toBe(true);

    // the account's slot starts to migrate, and stays half-moved until released
    const slot = keySlot(new RedisKeys('tim:').tag('', 'alice'));
    const from = await cluster.ownerOf(slot);
    const target = cluster.servers.find((s) => s.port !== from)!.port;
    let held!: () => void;
    let release!: () => void;
    const heldNow = new Promise<void>((r) => (held = r));
    const released = new Promise<void>((r) => (release = r));
    let firstBatch = true;
    const moving = cluster.migrateSlot(slot, target, async () => {
      if (!firstBatch) return;
      firstBatch = false;
      held();
      await released;
    }, 1);
    await heldNow;

    // the phone's socket closes: the table refuses its removal (TRYAGAIN)
    phone.terminate();
    await waitFor(() => gw.output.some((l) => l.includes('could not remove a closed session')), 30_000, 'the removal to be refused');
    // a login now cannot be decided: 5104, and its take-back is refused too
    const laptop = await TimClient.connect(gw.clientUrl);
    onCleanup(async () => laptop.terminate());
    const refused = await laptop.login({ name: 'alice', pwd: PWD, resource: 'laptop' });
    expect(refused.error?.code).toBe(ErrorCode.HEAVY_LOAD);
    laptop.terminate();

    release();
    await moving;
    expect(await cluster.ownerOf(slot)).toBe(target);
    await waitFor(async () => (await listed()).length === 0, 10_000, 'the owed removals to empty the account once the slot settled');
    // device_limit 1: a new login gets in (no ghost holds the place), and only it is listed
    const tablet = await TimClient.connect(gw.clientUrl);
    onCleanup(async () => tablet.terminate());
    const ok = await tablet.login({ name: 'alice', pwd: PWD, resource: 'tablet' });
    expect(ok.ok).toBe(true);
    expect(await listed()).toEqual([ok.n2]);
    expect(gw.logged('rejoining the cluster')).toBe(false); // the lease beat took no part in it
  }, 120_000);
});
