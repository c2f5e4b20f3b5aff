/**
 * The periodic paths of cluster mode do not grow with the table: with
 * 200,000 idle accounts of a live node in Redis, reaping a dead node that
 * held 2,000 sessions reads only that node's index (no SCAN, watched in INFO
 * commandstats), and ADMSTATS and /metrics read counters (no SCAN either).
 * The reap times at 0 and 200,000 other accounts are printed (npm run bench
 * measures them); tests assert no timing.
 */
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../src/logger.js';
import { NodeLease } from '../src/session/lease.js';
import { RedisKeys } from '../src/session/redis-keys.js';
import { RedisRegistry } from '../src/session/redis-registry.js';
import type { SessionInfo } from '../src/session/registry.js';
import { adminGateway, adminOf } from './admin-helpers.js';
import { RedisServer, redisSuitesEnabled } from './support/redis-server.js';

const enabled = redisSuitesEnabled();
const log = createLogger('silent', false);
const OTHERS = 200_000;
const DEAD_SESSIONS = 2_000;
let server: RedisServer | undefined;
let raw: Redis;

/** Calls of one command so far (INFO commandstats). */
async function calls(command: string): Promise<number> {
  const m = new RegExp(`cmdstat_${command}:calls=(\\d+)`).exec(await raw.info('commandstats'));
  return m ? Number(m[1]) : 0;
}

/** Writes `n` accounts with one session each of the live node "gw-live", by pipeline (the idle bulk of the table). */
async function fillOthers(keys: RedisKeys, n: number): Promise<void> {
  const now = Date.now();
  for (let i = 0; i < n; i += 10_000) {
    const p = raw.pipeline();
    for (let j = i; j < Math.min(n, i + 10_000); j++) {
      const s = { ssid: `o${j}`, domain: 'd', name: `idle${j}`, resource: 'r', termtyp: 0, loginTime: now, refreshTime: now, ip: '127.0.0.1', gateway: 'gw-live', connId: `c${j}`, reg: now };
      p.hset(keys.sessions('d', s.name), s.ssid, JSON.stringify(s));
    }
    await p.exec();
  }
}

/** Registers DEAD_SESSIONS sessions of node "gw-dead" under `prefix` with `others` idle accounts; returns the registry of a surviving node. */
async function table(prefix: string, others: number): Promise<RedisRegistry> {
  const keys = new RedisKeys(prefix);
  const lease = new NodeLease(raw, keys, 'gw-survivor', 60_000, log);
  const registry = new RedisRegistry({ client: raw, keys, gatewayId: 'gw-survivor', lease });
  await fillOthers(keys, others);
  const now = Date.now();
  const limits = { deviceLimit: 3, typeLimit: 3, mode: 'reject' as const, minAgeMs: 0 };
  for (let i = 0; i < DEAD_SESSIONS; i += 200) {
    await Promise.all(
      Array.from({ length: 200 }, (_, k) => {
        const session: SessionInfo = { ssid: `x${i + k}`, domain: 'd', name: `dead${i + k}`, resource: 'r', termtyp: 0, loginTime: now, refreshTime: now, ip: '127.0.0.1', gateway: 'gw-dead', connId: `c${i + k}` };
        return registry.login({ session, limits, kick: [], token: { domain: 'd', name: session.name, ssid: session.ssid, hash: 'h', expires: now + 60_000 }, now });
      }),
    );
  }
  return registry;
}

/** Reaps gw-dead; returns [sessions removed, ms taken, SCANs issued]. */
async function reap(registry: RedisRegistry): Promise<[number, number, number]> {
  const scans = await calls('scan');
  const started = process.hrtime.bigint();
  const removed = await registry.reap('gw-dead', Number.MAX_SAFE_INTEGER);
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  return [removed.length, ms, (await calls('scan')) - scans];
}

describe.skipIf(!enabled)(`periodic paths with ${OTHERS} idle accounts in the table`, () => {
  beforeAll(async () => {
    server = await RedisServer.start();
    raw = server.client();
  });
  afterAll(async () => {
    raw.disconnect();
    await server?.stop();
  });

  it(`reaping a dead node's ${DEAD_SESSIONS} sessions issues no SCAN, at 0 and at ${OTHERS} other accounts`, async () => {
    const [emptyRemoved, emptyMs, emptyScans] = await reap(await table('empty:', 0));
    const [fullRemoved, fullMs, fullScans] = await reap(await table('full:', OTHERS));
    expect([emptyRemoved, emptyScans, fullRemoved, fullScans]).toEqual([DEAD_SESSIONS, 0, DEAD_SESSIONS, 0]);
    expect(await raw.hlen(new RedisKeys('full:').sessions('d', 'idle7'))).toBe(1); // the live node's sessions stay
    console.log(`scale: reap of ${DEAD_SESSIONS} sessions: ${emptyMs.toFixed(0)} ms at 0 other accounts, ${fullMs.toFixed(0)} ms at ${OTHERS} (ratio ${(fullMs / emptyMs).toFixed(2)})`);
  }, 180_000);

  it('ADMSTATS and /metrics read counters: no SCAN, whatever the size of the table', async () => {
    const gw = await adminGateway({ redis: { url: server!.url, prefix: 'full:' } });
    const admin = await adminOf(gw);
    const scans = await calls('scan');
    const stats = await admin.stats();
    const metrics = await (await fetch(`${gw.adminHttpUrl}/metrics`)).text();
    expect(await calls('scan')).toBe(scans);
    expect(stats.gateways).toBe(1);
    expect(metrics).toMatch(/^tim_sessions(\{[^}]*\})? \d+$/m);
  }, 60_000);
});
