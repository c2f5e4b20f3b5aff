/**
 * Losing a Redis Cluster master loses no session: 3 masters with a replica
 * each, two gateways with logged-in sockets, then the master of some of their
 * accounts is SIGKILLed and its replica promoted by the cluster itself
 * (cluster-node-timeout 2 s). Replication is asynchronous, so the test makes
 * the replica miss the last writes on purpose (it is SIGSTOPped and cut off
 * from its master while more devices log in, and resumed as its master dies):
 * the promoted replica has never seen those sessions. Afterwards every socket is still logged in and
 * listed in the table (the gateways put back what the replica missed),
 * ADMSTATS counts exactly them, logins work again and the limits hold.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TimClient } from '../src/client/node.js';
import { RedisKeys } from '../src/session/redis-keys.js';
import { adminGateway, adminOf } from './admin-helpers.js';
import { connect, PWD, waitFor } from './helpers.js';
import { redisSuitesEnabled } from './support/redis-server.js';
import { RedisClusterServers } from './support/redis-topologies.js';

const NAMES = Array.from({ length: 10 }, (_, i) => `u${i}`);
let servers: RedisClusterServers | undefined;

describe.skipIf(!redisSuitesEnabled())('Redis Cluster failover (3 masters + 1 replica each, SIGKILL of a master)', () => {
  beforeAll(async () => {
    servers = await RedisClusterServers.start(3, { replicas: 1, nodeTimeoutMs: 2000 });
  }, 120_000);
  afterAll(async () => {
    await servers?.stop();
  });

  it('every socket stays logged in and listed, writes the promoted replica missed are put back, logins work again, limits hold', async () => {
    const cluster = servers!;
    // no heartbeat during the test: nothing but the failover itself tells the gateways to look again
    const config = { redis: { cluster: cluster.seeds, lease_ttl: 15, command_timeout: 1 }, device_limit: 2, heartbeat_interval: 3600 };
    const gws = [await adminGateway({ ...config, gateway_id: 'gw-a' }), await adminGateway({ ...config, gateway_id: 'gw-b' })];
    const admin = await adminOf(gws[0]!);
    const keys = new RedisKeys('tim:', true);
    const devices: { c: TimClient; name: string; ssid: string; closed: boolean }[] = [];
    const login = async (gw: number, name: string) => {
      const c = await connect(gws[gw]!);
      const ack = await c.login({ name, pwd: PWD, resource: `dev-${devices.length}` });
      return { c, ack };
    };
    const keep = async (gw: number, name: string): Promise<void> => {
      const { c, ack } = await login(gw, name);
      expect(ack.ok, `login of ${name}`).toBe(true);
      const d = { c, name, ssid: ack.n2!, closed: false };
      void c.closed.then(() => (d.closed = true));
      devices.push(d);
    };

    // one device of every account, replicated
    for (const [i, name] of NAMES.entries()) await keep(i % 2, name);
    const victim = await cluster.ownerOf(keys.accountSlot('', 'u0'));
    const replica = await cluster.replicaOf(victim);
    await waitFor(async () => (await replicated(cluster, victim)) === true, 10_000, 'the replica to catch up');

    // the replica stops taking the stream; the second device of the accounts on the victim is written only there
    const onVictim = [];
    for (const name of NAMES) if ((await cluster.ownerOf(keys.accountSlot('', name))) === victim) onVictim.push(name);
    process.kill(replica.pid, 'SIGSTOP');
    const master = cluster.server(victim).client();
    await master.call('CLIENT', 'KILL', 'TYPE', 'replica'); // (what was sent before is in the replica's socket buffer; nothing more is)
    master.disconnect();
    try {
      for (const [i, name] of onVictim.entries()) await keep((i + 1) % 2, name);
    } finally {
      await cluster.server(victim).stop(); // SIGKILL
      process.kill(replica.pid, 'SIGCONT');
    }

    // the cluster promotes the replica
    await waitFor(async () => (await cluster.ownerOf(keys.accountSlot('', 'u0')).catch(() => 0)) === replica.port, 60_000, 'the replica to be promoted');
    await cluster.waitHealthy();
    // logins work again (5104 while the slot had no master)
    await waitFor(async () => {
      const { c, ack } = await login(0, 'carol');
      c.terminate();
      return ack.ok;
    }, 30_000, 'a login to work again');

    // every socket is still logged in and listed; the table holds nothing else
    const listed = async (): Promise<string[]> => (await admin.online('', NAMES)).flatMap((a) => a.sessions.map((s) => s.ssid)).sort();
    const held = devices.map((d) => d.ssid).sort();
    await waitFor(async () => JSON.stringify(await listed()) === JSON.stringify(held), 30_000, 'the table to list every logged-in socket');
    expect(devices.filter((d) => d.closed).map((d) => d.name)).toEqual([]);
    for (const d of devices) await d.c.ping();
    const carolGone = async (): Promise<boolean> => (await admin.online('', ['carol'])).every((a) => a.sessions.length === 0);
    await waitFor(carolGone, 10_000, 'the probe logins to leave');
    expect((await admin.stats()).sessions).toBe(devices.length);
    // limits hold: the accounts with two devices refuse a third
    for (const name of onVictim) {
      const { c, ack } = await login(0, name);
      expect(ack.error?.code, `third device of ${name}`).toBe(4111);
      c.terminate();
    }
    console.log(`redis cluster failover: ${onVictim.length} sessions the promoted replica missed were put back; ${devices.length} sockets kept`);
  }, 240_000);
});

/** True when the replicas of the master on `port` have acknowledged its whole stream. */
async function replicated(cluster: RedisClusterServers, port: number): Promise<boolean> {
  const raw = cluster.server(port).client();
  try {
    return (await raw.call('WAIT', '1', '1000')) === 1;
  } finally {
    raw.disconnect();
  }
}
