/**
 * The cluster suite: gateway processes started from the built CLI (dist/) on
 * a real Redis topology (one redis-server: test/cluster.test.ts; a Redis
 * Cluster: test/cluster-redis-cluster.test.ts), driven over real sockets.
 * Limits hold across nodes, kicks and admin commands cross nodes, a killed
 * node stops locking accounts within its lease, and (one Redis) a Redis
 * outage answers 5104 then heals.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { TimAdminClient } from '../src/client/admin-client.js';
import { TimClient } from '../src/client/node.js';
import { EventKind, type AdmEvent, type TimAck } from '../src/protocol/types.js';
import { PWD, tempDir, waitFor } from './helpers.js';
import { cheapHash } from './support/cheap-hash.js';
import { GatewayProcess } from './support/gateway-process.js';
import type { RedisServer } from './support/redis-server.js';

const ADMIN = { name: 'ops', pwd: 'ops-secret' };
const LEASE_TTL = 5;

/** A gateway process of the cluster. */
type Node = GatewayProcess;

/** The Redis a cluster suite runs on. */
export interface RedisBackend {
  /** Starts it; returns the tim.json `redis` keys (without lease_ttl). */
  start(): Promise<Record<string, unknown>>;
  stop(): Promise<void>;
  /** The single redis-server, for the scenarios that stop it or tamper with it (absent: those are not run). */
  readonly single?: () => RedisServer;
}

let backend: RedisBackend;
let redisConfig: Record<string, unknown>;
let dir: string;
let adminHash: string;
const nodes: Node[] = [];
const clients: TimClient[] = [];

async function startNode(name: string, overrides: Record<string, unknown> = {}): Promise<Node> {
  const config = {
    gateway_id: name,
    users: 'users.json',
    admins: [{ name: ADMIN.name, pwd: adminHash }],
    device_limit: 3,
    devicetype_limit: 3,
    domains: { acme: { overentry: 'kick' }, solo: { device_limit: 1, overentry: 'kick' }, one: { device_limit: 1 } },
    login_rate_ip: { per_second: 100000, burst: 100000 },
    login_rate_account: { per_second: 100000, burst: 100000 },
    password_checks: { concurrent: 4, queued: 100_000, per_ip: 100_000 },
    redis: { ...redisConfig, lease_ttl: LEASE_TTL },
    log_level: 'info',
    auth_timeout: 60,
    ...overrides,
  };
  const node = await GatewayProcess.start(config, { dir, name });
  nodes.push(node);
  return node;
}

async function stopNode(node: Node, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  await node.stop(signal);
}

async function connect(node: Node): Promise<TimClient> {
  const c = await TimClient.connect(node.clientUrl);
  clients.push(c);
  return c;
}

async function login(node: Node, name: string, domain = '', termtyp = 0): Promise<{ c: TimClient; ack: TimAck }> {
  const c = await connect(node);
  const ack = await c.login({ name, domain, pwd: PWD, termtyp, resource: `dev-${clients.length}` });
  return { c, ack };
}

async function loggedIn(node: Node, name: string, domain = ''): Promise<TimClient> {
  const { c, ack } = await login(node, name, domain);
  if (!ack.ok) throw new Error(`login of ${domain}/${name} failed: ${JSON.stringify(ack.error)}`);
  return c;
}

async function admin(node: Node): Promise<TimAdminClient> {
  return TimAdminClient.connect(node.adminUrl, ADMIN);
}

/** Defines the cluster suite's tests on `redisBackend` (call inside a describe). */
export function clusterSuite(redisBackend: RedisBackend): void {
  let a: Node;
  let b: Node;
  let c: Node;

  beforeAll(async () => {
    backend = redisBackend;
    redisConfig = await backend.start();
    dir = tempDir();
    const hash = await cheapHash(PWD);
    adminHash = await cheapHash(ADMIN.pwd);
    const users = ['', 'acme', 'solo', 'one', 'far'].flatMap((domain) => ['alice', 'bob', 'carol', 'dave', 'erin', 'ann', 'ben', 'cid'].map((name) => ({ domain, name, pwd: hash })));
    writeFileSync(join(dir, 'users.json'), JSON.stringify(users));
    [a, b, c] = await Promise.all([startNode('gw-a'), startNode('gw-b'), startNode('gw-c')]);
  }, 60_000);

  afterAll(async () => {
    for (const cl of clients) cl.terminate();
    await Promise.all(nodes.map((n) => stopNode(n)));
    await backend.stop();
  }, 60_000);

  it('300 simultaneous logins of one account over 3 nodes: exactly device_limit accepted in reject mode', async () => {
    const results = await Promise.all(Array.from({ length: 300 }, (_, i) => login([a, b, c][i % 3]!, 'alice')));
    const accepted = results.filter((r) => r.ack.ok);
    expect(accepted).toHaveLength(3);
    expect(results.filter((r) => !r.ack.ok).map((r) => r.ack.error?.code).filter((code) => code !== 4111)).toEqual([]);
    const listed = await accepted[0]!.c.sessions();
    expect(1 + listed.online.length).toBe(3);
    for (const r of results) r.c.terminate();
  }, 120_000);

  it('300 simultaneous logins in kick mode: exactly device_limit left, every loser told why (KICKED + 4001, or 4111)', async () => {
    // a login kicked by a racing one before its ACK left gets KICKED and 4001 instead of the ACK
    const attempts = await Promise.all(
      Array.from({ length: 300 }, async (_, i) => {
        const cl = await connect([a, b, c][i % 3]!);
        const ack = await cl.login({ name: 'alice', domain: 'acme', pwd: PWD }).catch(() => null);
        return { c: cl, ack };
      }),
    );
    const refused = attempts.filter((r) => r.ack && !r.ack.ok);
    expect(refused.map((r) => r.ack!.error?.code).filter((code) => code !== 4111)).toEqual([]);
    const admitted = attempts.filter((r) => !r.ack || r.ack.ok);
    const isOpen = (r: (typeof attempts)[number]) => Promise.race([r.c.closed.then(() => false), new Promise<boolean>((res) => setTimeout(() => res(true), 5))]);
    let survivors: typeof admitted = [];
    await waitFor(
      async () => {
        const open = await Promise.all(admitted.map(isOpen));
        survivors = admitted.filter((_, i) => open[i]);
        return survivors.length <= 3;
      },
      20_000,
      'kicked sockets to close',
    );
    expect(survivors).toHaveLength(3);
    expect(survivors.map((r) => r.ack?.ok ?? 'no ACK')).toEqual([true, true, true]);
    const listed = await survivors[0]!.c.sessions();
    expect([listed.self!.ssid, ...listed.online.map((s) => s.ssid)].sort()).toEqual(survivors.map((s) => s.ack!.n2).sort());
    const losers = admitted.filter((r) => !survivors.includes(r));
    for (const l of losers) {
      expect((await l.c.closed).code).toBe(4001);
      expect((await l.c.nextNotice(3, 1000)).extend.reason).toBe('new_login');
    }
    console.log(`cluster: kick mode, 300 logins: ${refused.length} refused with 4111, ${losers.length} kicked (${losers.filter((l) => !l.ack).length} before their ACK), 3 left`);
    for (const r of attempts) r.c.terminate();
  }, 120_000);

  it('a kick crosses nodes: the old socket on A gets KICKED then close 4001 when the new login lands on B', async () => {
    const old = await loggedIn(a, 'bob', 'solo');
    const fresh = await loggedIn(b, 'bob', 'solo');
    const notice = await old.nextNotice(3);
    expect(notice.extend).toMatchObject({ reason: 'new_login' });
    expect((await old.closed).code).toBe(4001);
    const listed = await fresh.sessions();
    expect([listed.self!.gateway, listed.online.length]).toEqual(['gw-b', 0]);
  });

  it('SESSIONS lists the sessions of every node; reject mode sends LOGOUT_REQUEST across nodes', async () => {
    const onA = await loggedIn(a, 'carol');
    const onB = await loggedIn(b, 'carol');
    const onC = await loggedIn(c, 'carol');
    const listed = await onB.sessions();
    expect(listed.self!.gateway).toBe('gw-b');
    expect(listed.online.map((s) => s.gateway).sort()).toEqual(['gw-a', 'gw-c']);
    const { ack } = await login(b, 'carol');
    expect(ack.error?.code).toBe(4111);
    for (const cl of [onA, onC]) expect((await cl.nextNotice(2)).odType).toBe(2);
  });

  it('admin commands cross nodes: ADMSTATS is cluster-wide, an ADMTOKEN from A logs in on C, ADMKICK on A closes a socket on B', async () => {
    const ops = await admin(a);
    try {
      const victim = await loggedIn(b, 'dave', 'one');
      const stats = await ops.stats();
      expect(stats.gateways).toBe(3);
      expect(stats.sessions).toBeGreaterThanOrEqual(4); // carol x3 on three nodes, dave on B (+ earlier tests' survivors)
      expect(stats.perDomain.one).toBe(1);
      const t = await ops.token('', 'erin');
      const tc = await connect(c);
      expect((await tc.login({ name: 'erin', domain: '', token: t.token })).ok).toBe(true);
      expect(await ops.kick({ domain: 'one', names: ['dave'], reason: 'maintenance' })).toBe(1);
      expect((await victim.nextNotice(3)).extend.reason).toBe('admin');
      expect((await victim.closed).code).toBe(4001);
      // by ssid (the ssid index, no SCAN): a session on C, found and kicked from A
      const bySsid = await loggedIn(c, 'erin', 'one');
      expect(await ops.kick({ domain: 'one', ssids: [bySsid.lastLogin!.n2!, 'no-such-ssid'], reason: 'maintenance' })).toBe(1);
      expect((await bySsid.closed).code).toBe(4001);
    } finally {
      ops.terminate();
    }
  });

  it('a resume token issued on one node resumes on another', async () => {
    const first = await loggedIn(a, 'erin', 'acme');
    const ack = first.lastLogin!;
    first.terminate();
    const again = await connect(c);
    const r = await again.login({ name: 'erin', domain: 'acme', token: ack.token });
    expect([r.ok, r.n2]).toEqual([true, ack.n2]);
  });

  it('kill -9 of a gateway frees its sessions within the lease TTL', async () => {
    const doomed = await startNode('gw-doomed');
    const watcher = await admin(b);
    const events: AdmEvent[] = [];
    watcher.on('event', (e: AdmEvent) => events.push(e));
    await watcher.subscribe('one');
    const ghost = await loggedIn(doomed, 'alice', 'one');
    expect((await login(a, 'alice', 'one')).ack.error?.code).toBe(4111);
    const killedAt = Date.now();
    await stopNode(doomed, 'SIGKILL');
    let freedAfter = 0;
    await waitFor(
      async () => {
        const { c: probe, ack } = await login(a, 'alice', 'one');
        if (ack.ok) freedAfter = Date.now() - killedAt;
        else probe.terminate();
        return ack.ok;
      },
      LEASE_TTL * 1000 * 3,
      'the dead node\'s session to stop counting',
    );
    console.log(`cluster: a kill -9'd node's session stopped counting after ${freedAfter} ms (lease_ttl ${LEASE_TTL} s)`);
    const ops = await admin(b);
    await waitFor(async () => (await ops.stats()).gateways === 3, LEASE_TTL * 1000 * 3, 'the dead node to leave the lease table');
    ops.terminate();
    // the reaped ghost is reported to ADMSUB subscribers as OFFLINE (reason node_lost)
    const ghostSsid = ghost.lastLogin!.n2;
    await waitFor(() => events.some((e) => e.kind === EventKind.OFFLINE && e.ssid === ghostSsid), LEASE_TTL * 1000 * 3, 'OFFLINE of the reaped session');
    expect(events.find((e) => e.kind === EventKind.OFFLINE && e.ssid === ghostSsid)).toMatchObject({ name: 'alice', domain: 'one', reason: 'node_lost' });
    watcher.terminate();
  });

  it('a node frozen longer than its lease comes back with its sockets: reaped sessions are re-registered, not kicked as lost', async () => {
    const frozen = await startNode('gw-frozen', { heartbeat_interval: 0.3 });
    const users = await Promise.all(['ann', 'ben', 'cid'].map((n) => loggedIn(frozen, n, 'one')));
    const ops = await admin(a);
    const reaped: AdmEvent[] = [];
    ops.on('event', (e: AdmEvent) => {
      if (e.kind === EventKind.OFFLINE && e.reason === 'node_lost' && ['ann', 'ben', 'cid'].includes(e.name)) reaped.push(e);
    });
    await ops.subscribe('one');
    frozen.proc.kill('SIGSTOP');
    await waitFor(() => reaped.length === 3, LEASE_TTL * 1000 * 4, 'the frozen node\'s sessions to be reaped (deleted, not only hidden)');
    frozen.proc.kill('SIGCONT');
    await waitFor(async () => (await ops.online('one', ['ann', 'ben', 'cid'])).every((acc) => acc.sessions.length === 1), LEASE_TTL * 1000 * 4, 'the sessions to be re-registered');
    await new Promise((r) => setTimeout(r, 1500)); // a few heartbeats of the thawed node
    for (const u of users) {
      expect(u.notices.filter((n) => n.odType === 3)).toEqual([]);
      expect((await u.sessions()).self?.gateway).toBe('gw-frozen');
    }
    ops.terminate();
    await stopNode(frozen);
  });

  it('a KICK of a stolen device and an admin kick + block made while a node is frozen past its lease hold when it thaws: KICKED (revoked) + 4001', async () => {
    const frozen = await startNode('gw-partitioned', { heartbeat_interval: 0.3 });
    const [stolen, blocked, kept] = await Promise.all(['ann', 'ben', 'cid'].map((n) => loggedIn(frozen, n, 'far')));
    const ops = await admin(a);
    const reaped = new Set<string>();
    ops.on('event', (e: AdmEvent) => {
      if (e.kind === EventKind.OFFLINE && e.reason === 'node_lost') reaped.add(e.name);
    });
    await ops.subscribe('far');
    frozen.proc.kill('SIGSTOP');
    // reaped (not only hidden): a kick now finds nothing to remove and sends the frozen node nothing
    await waitFor(() => ['ann', 'ben', 'cid'].every((n) => reaped.has(n)), LEASE_TTL * 1000 * 4, 'the frozen node\'s sessions to be reaped');
    // meanwhile, on node A: the owner logs the stolen phone out from another device, and an operator kicks and blocks ben
    const owner = await loggedIn(a, 'ann', 'far');
    expect((await owner.kick([stolen.lastLogin!.n2!])).ok).toBe(true);
    await ops.kick({ domain: 'far', names: ['ben'], blockSeconds: 600 });
    frozen.proc.kill('SIGCONT');
    for (const victim of [stolen, blocked]) {
      expect((await victim.nextNotice(3, LEASE_TTL * 1000 * 4)).extend.reason).toBe('revoked');
      expect((await victim.closed).code).toBe(4001);
    }
    expect((await login(frozen, 'ben', 'far')).ack.error?.code).toBe(4110);
    await waitFor(async () => (await ops.online('far', ['cid']))[0]!.sessions.length === 1, LEASE_TTL * 1000 * 4, 'the untouched session to be re-registered');
    expect((await ops.online('far', ['ben']))[0]!.sessions).toEqual([]);
    expect(kept.notices.filter((n) => n.odType === 3)).toEqual([]);
    expect((await owner.sessions()).online).toEqual([]);
    ops.terminate();
    await stopNode(frozen);
  }, 60_000);

  it.skipIf(!redisBackend.single)('a reconnect to a Redis that lost writes (older snapshot, lagging replica) re-registers the sessions instead of kicking them', async () => {
    const redis = backend.single!();
    const node = await startNode('gw-snap', { heartbeat_interval: 0.3 });
    const ann = await loggedIn(node, 'ann');
    const ssid = ann.lastLogin!.n2!;
    const raw = new Redis(redis.url);
    // in one step: the write is lost, and every gateway connection drops and reconnects
    await raw.multi().hdel('tim:{:ann}:s', ssid).call('CLIENT', 'KILL', 'TYPE', 'normal', 'SKIPME', 'yes').exec();
    const ops = await admin(a);
    const listed = async (): Promise<boolean> => (await ops.online('', ['ann']))[0]!.sessions.some((s) => s.ssid === ssid);
    await waitFor(() => listed().catch(() => false), LEASE_TTL * 1000 * 3, 'the session to be re-registered'); // 5104 while reconnecting
    await new Promise((r) => setTimeout(r, 1000)); // several heartbeats of the node
    expect(ann.notices.filter((n) => n.odType === 3)).toEqual([]);
    await ann.ping();
    raw.disconnect();
    // the KILL dropped every node's connections: wait until all serve again before the next test
    for (const n of [a, b, c]) {
      const o = await admin(n);
      await waitFor(() => o.stats().then(() => true, () => false), LEASE_TTL * 1000 * 3, 'the node to reach Redis again');
      o.terminate();
    }
    ops.terminate();
    await stopNode(node);
  });

  it('a clean shutdown (SIGTERM) removes the node\'s sessions and its lease at once', async () => {
    const leaving = await startNode('gw-leaving');
    await loggedIn(leaving, 'carol', 'one');
    expect((await login(a, 'carol', 'one')).ack.error?.code).toBe(4111);
    await stopNode(leaving, 'SIGTERM');
    expect((await login(a, 'carol', 'one')).ack.ok).toBe(true);
    const ops = await admin(a);
    expect((await ops.stats()).gateways).toBe(3);
    ops.terminate();
  });

  it.skipIf(!redisBackend.single)('Redis stopped: new logins answer 5104 fast, sockets stay open; Redis back: sessions re-registered, service normal', async () => {
    const redis = backend.single!();
    const keeper = await loggedIn(a, 'bob');
    const keeper2 = await loggedIn(b, 'bob');
    await redis.stop();
    const started = Date.now();
    const { c: during, ack } = await login(c, 'dave');
    const answeredIn = Date.now() - started;
    expect(ack.error?.code).toBe(5104);
    during.terminate();
    for (let i = 0; i < 5; i++) expect((await login(c, 'dave')).ack.error?.code).toBe(5104);
    await keeper.ping();
    await keeper2.ping();
    await redis.resume(); // empty: no persistence
    const back = Date.now();
    // each node re-registers its own sessions at its own next beat: wait for both
    await waitFor(async () => {
      try {
        return (await keeper.sessions()).online.length === 1 && (await keeper2.sessions()).online.length === 1;
      } catch {
        return false;
      }
    }, 15_000, 'the live sessions of both nodes to be re-registered');
    console.log(`cluster: 5104 answered in ${answeredIn} ms during the outage; sessions re-registered ${Date.now() - back} ms after Redis returned`);
    const outageLines = c.output.filter((l) => /unreachable/.test(l));
    expect(outageLines.length).toBeGreaterThan(0);
    expect(outageLines.length).toBeLessThanOrEqual(4); // once per connection role, for the lease and for logins, not per login
    const listed = await keeper2.sessions();
    expect(listed.online.map((s) => s.gateway)).toEqual(['gw-a']);
    await loggedIn(c, 'bob');
    expect((await login(c, 'bob')).ack.error?.code).toBe(4111); // the re-registered sessions count again
    expect((await login(b, 'dave')).ack.ok).toBe(true);
  }, 60_000);
}
