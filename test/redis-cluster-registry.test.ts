/**
 * RedisRegistry on a real Redis Cluster of 3 masters: the shared conformance
 * suite as a third registry, the sharded bus, and the scale of the periodic
 * paths (reaping a dead node and reading stats issue no SCAN).
 */
import { Cluster } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../src/logger.js';
import type { AdmEvent } from '../src/protocol/types.js';
import type { NodeCommand } from '../src/session/bus.js';
import { RedisBus } from '../src/session/redis-bus.js';
import { RedisKeys } from '../src/session/redis-keys.js';
import { waitFor } from './helpers.js';
import { registryNode } from './support/registry-node.js';
import { clusterRegistryConformance } from './registry-conformance.js';
import { redisSuitesEnabled } from './support/redis-server.js';
import { RedisClusterServers } from './support/redis-topologies.js';

const enabled = redisSuitesEnabled();
const log = createLogger('silent', false);
let cluster: RedisClusterServers | undefined;
let prefixSeq = 0;

const clusterClient = (sharded = false): Cluster =>
  new Cluster(cluster!.seeds.map((s) => ({ host: '127.0.0.1', port: Number(s.split(':')[1]) })), { shardedSubscribers: sharded, redisOptions: { maxRetriesPerRequest: 0 } });

/** A registry of node `gatewayId` on the cluster under a fresh key prefix, with its lease running. */
async function node(gatewayId: string, prefix = `c${++prefixSeq}:`, ttlMs = 15_000) {
  return registryNode(clusterClient(), new RedisKeys(prefix, true), gatewayId, ttlMs, log);
}

describe.skipIf(!enabled)('RedisRegistry on Redis Cluster (3 masters)', () => {
  beforeAll(async () => {
    cluster = await RedisClusterServers.start(3);
  }, 60_000);
  afterAll(async () => {
    await cluster?.stop();
  });

  clusterRegistryConformance('RedisRegistry on Redis Cluster', () => node('node-1'));

  it('reap, stats and findSessions read the indexes and counters: no SCAN on any master', async () => {
    const f = await node('node-s');
    try {
      const now = Date.now();
      const limits = { deviceLimit: 3, typeLimit: 3, mode: 'reject' as const, minAgeMs: 0 };
      await Promise.all(
        Array.from({ length: 60 }, (_, i) => {
          const session = { ssid: `s${i}`, domain: 'd', name: `n${i}`, resource: 'r', termtyp: 0, loginTime: now, refreshTime: now, ip: '127.0.0.1', gateway: i < 50 ? 'gw-x' : 'node-s', connId: `c${i}` };
          return f.registry.login({ session, limits, kick: [], token: { domain: 'd', name: session.name, ssid: session.ssid, hash: 'h', expires: now + 60_000 }, now });
        }),
      );
      const scans = await cluster!.commandCalls('scan');
      expect((await f.registry.stats(Date.now())).sessions).toBe(60);
      expect((await f.registry.findSessions('d', ['s3', 's55'])).map((s) => s.ssid)).toEqual(['s3', 's55']);
      expect((await f.registry.reap('gw-x', Number.MAX_SAFE_INTEGER)).length).toBe(50);
      expect(await f.registry.stats(Date.now())).toMatchObject({ sessions: 10, accounts: 10, perDomain: { d: 10 } });
      expect(await cluster!.commandCalls('scan')).toBe(scans);
    } finally {
      await f.close();
    }
  });

  it('the sharded bus delivers commands to the node they name and events to every node that follows them (A does; B gets its own events locally)', async () => {
    const keys = new RedisKeys('cbus:', true);
    const conns = [clusterClient(), clusterClient(true), clusterClient(), clusterClient(true)];
    const busA = new RedisBus(conns[0]!, conns[1]!, keys, 'A', log);
    const busB = new RedisBus(conns[2]!, conns[3]!, keys, 'B', log);
    await Promise.all([busA.start(), busB.start()]);
    await busA.follow();
    const got: { node: string; cmd?: NodeCommand; ev?: AdmEvent }[] = [];
    busA.onCommand((cmd) => got.push({ node: 'A', cmd }));
    busB.onCommand((cmd) => got.push({ node: 'B', cmd }));
    busA.onEvent((ev) => got.push({ node: 'A', ev }));
    busB.onEvent((ev) => got.push({ node: 'B', ev }));
    const publishesBefore = await cluster!.commandCalls('publish');
    const cmd: NodeCommand = { kind: 'kick', ssid: 's', connId: 'c', reason: 'new_login', extend: { ip: '1.2.3.4' } };
    await busA.send('B', cmd);
    const ev: AdmEvent = { kind: 1, domain: 'd', name: 'n', ssid: 's', resource: 'r', termtyp: 0, time: 1, reason: 'login' };
    busB.publish(ev);
    await waitFor(() => got.length >= 3, 5000, 'bus delivery');
    await new Promise((r) => setTimeout(r, 100));
    expect(got).toEqual(expect.arrayContaining([{ node: 'B', cmd }, { node: 'B', ev }, { node: 'A', ev }]));
    expect(got).toHaveLength(3);
    // sharded pub/sub only: nothing went through PUBLISH (which every Redis node would relay)
    expect(await cluster!.commandCalls('publish')).toBe(publishesBefore);
    expect(await cluster!.commandCalls('spublish')).toBeGreaterThanOrEqual(2);
    await Promise.all([busA.close(), busB.close()]);
    for (const c of conns) c.disconnect();
  });
});
