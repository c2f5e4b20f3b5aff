/**
 * RedisRegistry against a real redis-server: the shared conformance suite,
 * then what only cluster mode has: ghosts of dead nodes, the reaper, the
 * lease, and the pub/sub bus between two nodes.
 */
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../src/logger.js';
import type { AdmEvent } from '../src/protocol/types.js';
import type { NodeCommand } from '../src/session/bus.js';
import { RedisBus } from '../src/session/redis-bus.js';
import { RedisKeys } from '../src/session/redis-keys.js';
import type { SessionInfo } from '../src/session/registry.js';
import { waitFor } from './helpers.js';
import { registryNode } from './support/registry-node.js';
import { clusterRegistryConformance } from './registry-conformance.js';
import { RANDOM_ACCOUNTS, randomOps } from './registry-random-ops.js';
import { RedisServer, redisSuitesEnabled } from './support/redis-server.js';

const enabled = redisSuitesEnabled();
const log = createLogger('silent', false);
let server: RedisServer | undefined;
let prefixSeq = 0;

/** A registry of node `gatewayId` under a fresh key prefix (or `prefix`), with its lease running. */
async function node(gatewayId: string, prefix = `t${++prefixSeq}:`, ttlMs = 15_000) {
  return registryNode(new Redis(server!.url, { maxRetriesPerRequest: 0 }), new RedisKeys(prefix), gatewayId, ttlMs, log);
}

describe.skipIf(!enabled)('RedisRegistry', () => {
  beforeAll(async () => {
    server = await RedisServer.start();
  });
  afterAll(async () => {
    await server?.stop();
  });

  clusterRegistryConformance('RedisRegistry', () => node('node-1'));

  const session = (ssid: string, gateway: string, now: number): SessionInfo => ({
    ssid, domain: 'd', name: 'n', resource: 'r', termtyp: 0, loginTime: now, refreshTime: now, ip: '127.0.0.1', gateway, connId: `c-${ssid}`,
  });
  const limits = { deviceLimit: 1, typeLimit: 1, mode: 'reject' as const, minAgeMs: 0 };
  const tokenOf = (ssid: string, now: number) => ({ domain: 'd', name: 'n', ssid, hash: 'h', expires: now + 60_000 });

  it('a login that lands after its own rejoin restore keeps the newer registration, so the rejoin\'s reap spares it', async () => {
    const a = await node('node-r');
    try {
      const loginStarted = Date.now() - 50;
      const s = session('sr', 'node-r', loginStarted);
      const rejoinStarted = Date.now();
      expect(await a.registry.restore([{ session: s, limits }], rejoinStarted)).toEqual([]); // the rejoin puts it back first
      expect((await a.registry.login({ session: s, limits, kick: [], token: tokenOf('sr', loginStarted), now: loginStarted })).ok).toBe(true);
      await a.registry.reap('node-r', rejoinStarted); // the rejoin removes what was registered before it began
      expect((await a.registry.list('d', 'n')).map((x) => x.ssid)).toEqual(['sr']);
    } finally {
      await a.close();
    }
  });

  /** Runs `test` on a fresh node `gatewayId`, closing it after. */
  const withNode = async (gatewayId: string, test: (a: Awaited<ReturnType<typeof node>>) => Promise<void>): Promise<void> => {
    const a = await node(gatewayId);
    try {
      await test(a);
    } finally {
      await a.close();
    }
  };

  it('an account of 4,000 sessions, each with its resume token, still logs in, out and all out (its counts are written and deleted in chunks)', () =>
    withNode('node-big', async (a) => {
      const now = Date.now();
      const many = { ...limits, deviceLimit: 10_000, typeLimit: 10_000 };
      const big = (ssid: string): SessionInfo => ({ ...session(ssid, 'node-big', now), name: 'big' });
      const pipe = a.client.pipeline();
      for (let i = 0; i < 4000; i++) {
        pipe.hset(a.keys.sessions('d', 'big'), `b${i}`, JSON.stringify({ ...big(`b${i}`), reg: now }));
        pipe.hset(a.keys.tokens('d', 'big'), `b${i}`, JSON.stringify({ hash: 'h', expires: now + 60_000 }));
      }
      await pipe.exec();
      const last = big('last');
      expect((await a.registry.login({ session: last, limits: many, kick: [], token: { ...tokenOf('last', now), name: 'big' }, now })).ok).toBe(true);
      // the tokens written behind the scripts' back are not in the counts: the login reads the hash and lists them all
      expect(await a.client.hlen(a.keys.counts('d', 'big'))).toBeGreaterThan(4000);
      expect(await a.registry.remove('d', 'big', 'last', last.connId)).toEqual(last);
      expect((await a.registry.list('d', 'big')).length).toBe(4000);
      expect((await a.registry.removeSessions('d', 'big', null)).sessions).toHaveLength(4000);
      expect(await a.client.exists(a.keys.counts('d', 'big'), a.keys.tokens('d', 'big'), a.keys.sessions('d', 'big'))).toBe(0);
      expect((await a.registry.stats(Date.now())).sessions).toBe(0);
    }));

  it('the token bookkeeping heals: a token lost from the slot\'s set is back after a reconcile pass, a lost tokens hash is read again by the next login', () =>
    withNode('node-heal', async (a) => {
      const now = Date.now();
      const login = async (ssid: string) => {
        const s = session(ssid, 'node-heal', now);
        expect((await a.registry.login({ session: s, limits: { ...limits, deviceLimit: 5, typeLimit: 5 }, kick: [], token: tokenOf(ssid, now), now })).ok).toBe(true);
        return s;
      };
      const tokens = async () => (await a.registry.stats(Date.now())).tokens;
      const reconcilePass = async () => {
        let cursor = '0';
        do cursor = (await a.registry.index.reconcileStep(a.client, cursor, 1000, { leased: { 'node-heal': 1 }, before: 0 })).cursor;
        while (cursor !== '0');
      };
      const s1 = await login('t1');
      expect(await a.registry.remove('d', 'n', 't1', s1.connId)).toEqual(s1);
      const s2 = await login('t2');
      expect(await tokens()).toBe(2);
      // a member of the slot's token set lost behind the scripts' back (a manual delete, an eviction)
      expect(await a.client.zrem(`${a.keys.slotPrefix(0)}rz`, `${a.keys.tag('d', 'n')} t1`)).toBe(1);
      expect(await tokens()).toBe(1);
      expect(await a.registry.remove('d', 'n', 't2', s2.connId)).toEqual(s2);
      await reconcilePass();
      expect(await tokens()).toBe(2);
      // the tokens hash lost (the account's only key with a TTL, so the first a volatile-* maxmemory policy evicts)
      expect(await a.client.del(a.keys.tokens('d', 'n'))).toBe(1);
      await login('t3');
      expect([await a.registry.getResumeToken('d', 'n', 't1', now), await a.registry.getResumeToken('d', 'n', 't2', now)]).toEqual([null, null]);
      expect(await tokens()).toBe(1);
    }));

  it('after a random sequence of calls, each account\'s counts list exactly its tokens and sessions, and the slot\'s token set holds each token at its expiry', () =>
    withNode('node-rnd', async (a) => {
      await randomOps(a.registry, 'node-rnd', 'rnd', 7, 400, Date.now());
      const flat = await a.client.zrange(`${a.keys.slotPrefix(0)}rz`, '0', '-1', 'WITHSCORES');
      const inSet: [string, number][] = [];
      for (let i = 0; i < flat.length; i += 2) inSet.push([flat[i]!, Number(flat[i + 1])]);
      const sorted = (l: readonly (readonly [string, number])[]) => [...l].sort((x, y) => (x[0] < y[0] ? -1 : 1));
      let tokens = 0;
      for (const name of RANDOM_ACCOUNTS) {
        const tag = a.keys.tag('rnd', name);
        const stored = Object.entries(await a.client.hgetall(a.keys.tokens('rnd', name))).map(([ssid, json]) => [ssid, (JSON.parse(json) as { expires: number }).expires] as const);
        const counts = await a.client.hgetall(a.keys.counts('rnd', name));
        const listed = Object.entries(counts).filter(([f]) => f.startsWith('k:')).map(([f, e]) => [f.slice(2), Number(e)] as const);
        expect(sorted(listed)).toEqual(sorted(stored));
        expect(sorted(inSet.filter(([m]) => m.startsWith(`${tag} `)).map(([m, e]) => [m.slice(tag.length + 1), e] as const))).toEqual(sorted(stored));
        expect(Number(counts['s'] ?? 0)).toBe(await a.client.hlen(a.keys.sessions('rnd', name)));
        tokens += stored.length;
      }
      expect(tokens).toBeGreaterThan(0);
      expect(inSet).toHaveLength(tokens);
    }));

  it('identity fields with lone surrogates in a resume token (a JWT jti, an auth_url extend) do not break the account\'s scripts', () =>
    withNode('node-u', async (a) => {
      const now = Date.now();
      const s = session('su', 'node-u', now);
      const token = { ...tokenOf('su', now), extend: { 'k\ud800': 'v\udc00' }, revocation: { key: 'jti:\ud800', expires: now + 60_000 } };
      expect((await a.registry.login({ session: s, limits, kick: [], token, now })).ok).toBe(true);
      expect(await a.registry.remove('d', 'n', 'su', s.connId)).toEqual(s);
      expect(await a.registry.getResumeToken('d', 'n', 'su', now)).toMatchObject({ extend: { 'k\ufffd': 'v\ufffd' }, revocation: { key: 'jti:\ufffd' } });
      expect((await a.registry.login({ session: { ...s, connId: 'c-again' }, limits, kick: [], resumeHash: 'h', token: tokenOf('su', now), now })).ok).toBe(true);
    }));

  it('sessions of a node whose lease expired stop counting at once, and one survivor reaps them', async () => {
    const a = await node('node-a', 'ghost:', 400);
    const b = await node('node-b', 'ghost:', 60_000);
    try {
      let now = Date.now();
      expect((await a.registry.login({ session: session('sa', 'node-a', now), limits, kick: [], token: tokenOf('sa', now), now })).ok).toBe(true);
      await a.registry.login({ session: { ...session('sa2', 'node-a', now), name: 'n2' }, limits, kick: [], token: tokenOf('sa2', now), now });
      clearInterval((a.lease as unknown as { timer: NodeJS.Timeout }).timer); // node-a "dies": no more renewals
      await waitFor(async () => (await b.registry.stats(Date.now())).gateways === 1, 5000, 'node-a lease to expire');
      now = Date.now();
      // the account is not locked by the ghost, even before any reaping
      const r = await b.registry.login({ session: session('sb', 'node-b', now), limits, kick: [], token: tokenOf('sb', now), now });
      expect(r.ok).toBe(true);
      expect((await b.registry.list('d', 'n2')).length).toBe(0);
      await b.lease.beat();
      expect(await b.client.hlen(b.keys.sessions('d', 'n2'))).toBe(0);
      expect(await b.client.zscore(b.keys.gateways, 'node-a')).toBeNull();
      expect(await b.registry.stats(Date.now())).toMatchObject({ sessions: 1, accounts: 1, gateways: 1 });
    } finally {
      await a.close();
      await b.close();
    }
  });

  it('a node that renewed its lease after another node last read the lease table still counts there: its sessions hold the limit', async () => {
    const a = await node('node-a', 'stale:', 60_000);
    const b = await node('node-b', 'stale:', 60_000); // reuses a read of the lease table for up to 30 s
    try {
      let now = Date.now();
      expect((await a.registry.login({ session: session('sa', 'node-a', now), limits, kick: [], token: tokenOf('sa', now), now })).ok).toBe(true);
      // node-b reads the table while node-a's lease is about to lapse; node-a then renews it (a beat that came late)
      const lapse = Date.now() + 200;
      await b.client.zadd(b.keys.gateways, lapse, 'node-a');
      expect(await b.registry.stats(Date.now())).toMatchObject({ gateways: 2 });
      await b.client.zadd(b.keys.gateways, Date.now() + 60_000, 'node-a');
      await waitFor(() => Date.now() > lapse, 5000, 'the lapse node-b read to pass');
      now = Date.now();
      const r = await b.registry.login({ session: session('sb', 'node-b', now), limits, kick: [], token: tokenOf('sb', now), now });
      expect(r.ok ? 'accepted' : r.code).toBe(4111);
      expect((await b.registry.list('d', 'n')).map((x) => x.ssid)).toEqual(['sa']);
    } finally {
      await a.close();
      await b.close();
    }
  });

  it('a node that finds its lease lost rejoins; its re-registered sessions survive a late reaper', async () => {
    const a = await node('node-r', 'rejoin:', 60_000);
    let rejoined = 0;
    await a.lease.stop();
    const now = Date.now();
    await a.registry.login({ session: session('s1', 'node-r', now), limits, kick: [], token: tokenOf('s1', now), now });
    await a.client.zadd(a.keys.gateways, now + 1, 'node-r'); // expired right after s1 was registered
    await new Promise((r) => setTimeout(r, 20));
    await a.lease.start({
      reap: async (g, before) => void (await a.registry.reap(g, before)),
      rejoin: async () => {
        rejoined++;
        expect(await a.registry.restore([{ session: session('s1', 'node-r', now), limits }], Date.now())).toEqual([]);
      },
    });
    // start() found a previous lease of the same id: it reaped what that process left
    expect(await a.registry.list('d', 'n')).toEqual([]);
    await a.registry.restore([{ session: session('s1', 'node-r', now), limits }], Date.now());
    await a.registry.reap('node-r', now + 1); // a reaper that saw the old lease comes late
    expect((await a.registry.list('d', 'n')).map((s) => s.ssid)).toEqual(['s1']);
    await a.client.zadd(a.keys.gateways, Date.now() - 1, 'node-r');
    await a.lease.beat();
    expect(rejoined).toBe(1);
    await a.close();
  });

  it('restore refuses (revoked) what was kicked, logged out or blocked while the node was away, ghost or reaped', async () => {
    const a = await node('node-away', 'away:', 400);
    const b = await node('node-b', 'away:', 60_000);
    try {
      const lim = { deviceLimit: 5, typeLimit: 5, mode: 'reject' as const, minAgeMs: 0 };
      const now = Date.now();
      const on = (ssid: string, name: string): SessionInfo => ({ ...session(ssid, 'node-away', now), name });
      const [kicked, kickedLate, allOut, blocked, kept] = [on('k', 'n'), on('kl', 'n'), on('all', 'm'), on('blk', 'o'), on('kept', 'n')];
      for (const s of [kicked, kickedLate, allOut, blocked, kept]) {
        expect((await a.registry.login({ session: s, limits: lim, kick: [], token: { ...tokenOf(s.ssid, now), name: s.name }, now })).ok).toBe(true);
      }
      clearInterval((a.lease as unknown as { timer: NodeJS.Timeout }).timer); // node-away stops renewing
      await waitFor(async () => (await b.registry.stats(Date.now())).gateways === 1, 5000, 'node-away lease to expire');
      await b.registry.removeSessions('d', 'n', ['k']); // a KICK of a ghost
      expect((await b.registry.removeSessions('d', 'm', null)).sessions).toEqual([]); // an admin kick of the whole account: its ghost goes, unreported
      await b.lease.beat(); // node-b reaps the rest
      expect(await b.client.hlen(b.keys.sessions('d', 'n'))).toBe(0);
      await b.registry.removeSessions('d', 'n', ['kl']); // a KICK of a reaped session
      await b.registry.block('d', 'o', Date.now() + 60_000);
      const later = { ...on('later', 'm'), loginTime: Date.now() + 1 }; // logged in after the admin kick
      const back = Date.now() + 1;
      const lost = await a.registry.restore([kicked, kickedLate, allOut, blocked, kept, later].map((session) => ({ session, limits: lim })), back);
      expect(lost.map((l) => [l.session.ssid, l.reason]).sort()).toEqual([['all', 'revoked'], ['blk', 'revoked'], ['k', 'revoked'], ['kl', 'revoked']]);
      expect((await b.registry.list('d', 'n')).map((s) => s.ssid)).toEqual(['kept']);
      expect((await b.registry.list('d', 'm')).map((s) => s.ssid)).toEqual(['later']);
      expect(await b.registry.list('d', 'o')).toEqual([]);
    } finally {
      await a.close();
      await b.close();
    }
  });

  it('the bus delivers commands to the node they name and events to every node that follows them (A does; B gets its own events locally)', async () => {
    const keys = new RedisKeys('bus:');
    const conns = Array.from({ length: 4 }, () => new Redis(server!.url));
    const busA = new RedisBus(conns[0]!, conns[1]!, keys, 'A', log);
    const busB = new RedisBus(conns[2]!, conns[3]!, keys, 'B', log);
    await Promise.all([busA.start(), busB.start()]);
    await busA.follow();
    const got: { node: string; cmd?: NodeCommand; ev?: AdmEvent }[] = [];
    busA.onCommand((cmd) => got.push({ node: 'A', cmd }));
    busB.onCommand((cmd) => got.push({ node: 'B', cmd }));
    busA.onEvent((ev) => got.push({ node: 'A', ev }));
    busB.onEvent((ev) => got.push({ node: 'B', ev }));
    const cmd: NodeCommand = { kind: 'kick', ssid: 's', connId: 'c', reason: 'new_login', extend: { ip: '1.2.3.4' } };
    await busA.send('B', cmd);
    await conns[0]!.publish(keys.nodeChannel('B'), 'not json');
    const ev: AdmEvent = { kind: 1, domain: 'd', name: 'n', ssid: 's', resource: 'r', termtyp: 0, time: 1, reason: 'login' };
    busB.publish(ev);
    await waitFor(() => got.length >= 3, 5000, 'bus delivery');
    await new Promise((r) => setTimeout(r, 100));
    expect(got).toEqual(expect.arrayContaining([{ node: 'B', cmd }, { node: 'B', ev }, { node: 'A', ev }]));
    expect(got).toHaveLength(3);
    await Promise.all([busA.close(), busB.close()]);
    for (const c of conns) c.disconnect();
  });
});
