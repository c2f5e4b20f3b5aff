/**
 * The admin socket's operations end to end over real sockets (PROTOCOL.md
 * section 8): notices, kicks with blocks, online, stats, login tokens, the
 * event stream, request bounds, and (on a real redis-server) delivery to
 * sessions held by another node.
 */
import { afterAll, describe, expect, it } from 'vitest';
import type { TimClient } from '../src/client/node.js';
import { AdminType } from '../src/protocol/type-codes.js';
import { encodeFrame, decodePayload } from '../src/protocol/codec.js';
import { EventKind, NoticeKind, type AdmAck, type AdmEvent } from '../src/protocol/types.js';
import { ADMIN, adminGateway, adminOf } from './admin-helpers.js';
import { connect, loggedIn, PWD, waitFor } from './helpers.js';
import { ManualClock } from './support/manual-clock.js';
import { RedisServer, redisSuitesEnabled } from './support/redis-server.js';

const ssidOf = (c: TimClient): string => c.lastLogin!.n2!;

describe('ADMNOTICE', () => {
  it('reaches every session of the named accounts of a domain, or chosen ssids, with text and extend', async () => {
    const gw = await adminGateway({ device_limit: 3, devicetype_limit: 3 });
    const phone = await loggedIn(gw, { name: 'alice', termtyp: 1, resource: 'phone' });
    const pc = await loggedIn(gw, { name: 'alice', termtyp: 2, resource: 'pc' });
    const acmeAlice = await loggedIn(gw, { name: 'alice', domain: 'acme' });
    const bob = await loggedIn(gw, { name: 'bob' });
    const admin = await adminOf(gw);

    expect(await admin.notice({ domain: '', names: ['alice', 'nobody'], dataString: 'maintenance at 22:00', extend: { window: '22:00-23:00' } })).toBe(2);
    for (const c of [phone, pc]) {
      expect(await c.nextNotice(NoticeKind.INFO)).toMatchObject({ msType: 1, odType: NoticeKind.INFO, dataString: 'maintenance at 22:00', extend: { window: '22:00-23:00' } });
    }

    expect(await admin.notice({ ssids: [ssidOf(bob)], odType: NoticeKind.LOGOUT_REQUEST, dataString: 'please log out' })).toBe(1);
    expect(await bob.nextNotice(NoticeKind.LOGOUT_REQUEST)).toMatchObject({ dataString: 'please log out', odType: 2 });

    // a session of another domain is a different account, even by ssid: nothing reached it (its pong comes after any notice)
    expect(await admin.notice({ domain: '', ssids: [ssidOf(acmeAlice)], dataString: 'wrong domain' })).toBe(0);
    await acmeAlice.ping();
    expect(acmeAlice.notices).toEqual([]);
    await pc.ping();
    expect(pc.notices).toEqual([]);
  });
});

describe('ADMKICK', () => {
  it('logs out named accounts and ssids: KICKED with reason admin, close 4001, resume token revoked', async () => {
    const gw = await adminGateway();
    const alice = await loggedIn(gw, { name: 'alice' });
    const bob = await loggedIn(gw, { name: 'bob' });
    const admin = await adminOf(gw);

    expect(await admin.kick({ names: ['alice'], reason: 'abuse' })).toBe(1);
    expect((await alice.nextNotice(NoticeKind.KICKED)).extend).toMatchObject({ reason: 'admin', message: 'abuse' });
    expect((await alice.closed).code).toBe(4001);
    const resume = await connect(gw);
    expect((await resume.login({ name: 'alice', token: alice.lastLogin!.token! })).error?.code).toBe(4115);

    expect(await admin.kick({ ssids: [ssidOf(bob)] })).toBe(1);
    expect((await bob.nextNotice(NoticeKind.KICKED)).extend).toMatchObject({ reason: 'admin' });
    expect((await bob.closed).code).toBe(4001);

    expect(await admin.online('', ['alice', 'bob'])).toEqual([
      { domain: '', name: 'alice', sessions: [] },
      { domain: '', name: 'bob', sessions: [] },
    ]);
    await loggedIn(gw, { name: 'alice' }); // no block asked: a password login works again
  });

  it('ADMONLINE and the 4111 list give the refreshTime of the last frame seen, not the table\'s of the last heartbeat', async () => {
    const clock = new ManualClock();
    const gw = await adminGateway({}, { clock: clock.now });
    const alice = await loggedIn(gw, { name: 'alice', termtyp: 1 });
    const loginTime = alice.lastLogin!.t!;
    clock.t += 5_000;
    await alice.ping(); // a frame 5 s after login; the heartbeat has not written it to the table
    const admin = await adminOf(gw);
    const [listed] = await admin.online('', ['alice']);
    expect(listed!.sessions[0]).toMatchObject({ loginTime, refreshTime: loginTime + 5_000 });
    const refused = await (await connect(gw)).login({ name: 'alice', pwd: PWD, termtyp: 1 });
    expect(refused).toMatchObject({ ok: false, error: { code: 4111 } });
    expect(refused.sessions?.[0]).toMatchObject({ loginTime, refreshTime: loginTime + 5_000 });
  });

  it('blockSeconds refuses logins of the named accounts with 4110 for that long, then lets them in', async () => {
    const clock = new ManualClock(); // the gateway's time: it moves only when the test moves it
    const gw = await adminGateway({}, { clock: clock.now });
    await loggedIn(gw, { name: 'alice' });
    const admin = await adminOf(gw);

    expect(await admin.kick({ names: ['alice'], blockSeconds: 1 })).toBe(1);
    expect(await admin.kick({ names: ['carol'], blockSeconds: 60 })).toBe(0); // an offline account can be blocked too

    for (const name of ['alice', 'carol']) {
      const c = await connect(gw);
      expect((await c.login({ name, pwd: PWD })).error).toMatchObject({ code: 4110, info: 'blocked object' });
    }
    await loggedIn(gw, { name: 'carol', domain: 'acme' }); // the block is per domain+name
    await loggedIn(gw, { name: 'bob' });

    clock.t += 999;
    expect((await (await connect(gw)).login({ name: 'alice', pwd: PWD })).error?.code).toBe(4110);
    clock.t += 1;
    await loggedIn(gw, { name: 'alice' });
    const c = await connect(gw);
    expect((await c.login({ name: 'carol', pwd: PWD })).error?.code).toBe(4110);
  });
});

describe('ADMONLINE and ADMSTATS', () => {
  it('match the session table', async () => {
    const gw = await adminGateway({ device_limit: 3, devicetype_limit: 3 });
    const phone = await loggedIn(gw, { name: 'alice', termtyp: 1, resource: 'phone' });
    const pc = await loggedIn(gw, { name: 'alice', termtyp: 2, resource: 'pc' });
    await loggedIn(gw, { name: 'carol', domain: 'acme' });
    await connect(gw); // a socket that never logs in counts as a connection only
    const admin = await adminOf(gw);

    const [alice, bob] = await admin.online('', ['alice', 'bob']);
    expect(alice!.sessions.map((s) => s.ssid).sort()).toEqual([ssidOf(phone), ssidOf(pc)].sort());
    expect(alice!.sessions.find((s) => s.ssid === ssidOf(phone))).toMatchObject({ resource: 'phone', termtyp: 1, ip: '127.0.0.1', gateway: gw.id, loginTime: phone.lastLogin!.t });
    const own = await phone.sessions();
    expect(own.online.map((s) => s.ssid)).toEqual([ssidOf(pc)]);
    expect(bob).toEqual({ domain: '', name: 'bob', sessions: [] });

    await admin.token('', 'dave');
    expect(await admin.stats()).toEqual({ sessions: 3, accounts: 2, connections: 4, gateways: 1, perDomain: { '': 2, acme: 1 }, tokens: 4 });
  });
});

describe('ADMTOKEN', () => {
  it('issues a single-use login token bound to domain+name; reuse, another name or expiry answer 4115', async () => {
    const clock = new ManualClock(); // the gateway's time: it moves only when the test moves it
    const gw = await adminGateway({}, { clock: clock.now });
    const admin = await adminOf(gw);
    const t = await admin.token('acme', 'alice');
    expect(t.token).toMatch(/^l\./);
    expect(t.expires).toBe(clock.t + 60_000); // token_timeout default

    const first = await connect(gw);
    expect(await first.login({ name: 'alice', domain: 'acme', token: t.token })).toMatchObject({ ok: true });
    const second = await connect(gw);
    expect((await second.login({ name: 'alice', domain: 'acme', token: t.token })).error?.code).toBe(4115);

    // the token's extend is kept on the session it logs in, over the client's own
    const tagged = await admin.token('acme', 'dave', 0, { uid: '42', plan: 'gold' });
    const dave = await connect(gw);
    expect(await dave.login({ name: 'dave', domain: 'acme', token: tagged.token, extend: { plan: 'free', lang: 'zh' } })).toMatchObject({ ok: true });
    expect((await admin.online('acme', ['dave']))[0]!.sessions[0]!.extend).toEqual({ uid: '42', plan: 'gold', lang: 'zh' });

    const forBob = await admin.token('acme', 'bob');
    const wrongName = await connect(gw);
    expect((await wrongName.login({ name: 'carol', domain: 'acme', token: forBob.token })).error?.code).toBe(4115);

    // two tokens living one second: the first logs in a millisecond before the end, the second at the end is refused
    const [inTime, short] = [await admin.token('', 'carol', 1), await admin.token('', 'carol', 1)];
    expect(short.expires).toBe(clock.t + 1000);
    clock.t += 999;
    expect(await (await connect(gw)).login({ name: 'carol', token: inTime.token })).toMatchObject({ ok: true });
    clock.t += 1;
    const late = await connect(gw);
    expect((await late.login({ name: 'carol', token: short.token })).error?.code).toBe(4115);
  });
});

describe('ADMSUB', () => {
  it('streams ONLINE, OFFLINE, KICKED and REJECTED events in order, filtered by domain', async () => {
    const gw = await adminGateway();
    const all = await adminOf(gw);
    const acme = await adminOf(gw);
    const seen: AdmEvent[] = [];
    const seenAcme: AdmEvent[] = [];
    all.on('event', (e: AdmEvent) => seen.push(e));
    acme.on('event', (e: AdmEvent) => seenAcme.push(e));
    await all.subscribe('');
    await acme.subscribe('acme');

    const alice = await loggedIn(gw, { name: 'alice', termtyp: 3, resource: 'web' });
    await alice.logout();
    await alice.closed;
    const bob = await loggedIn(gw, { name: 'bob' });
    await all.kick({ names: ['bob'] });
    await bob.closed;
    const bad = await connect(gw);
    await bad.login({ name: 'carol', pwd: 'wrong' });
    await loggedIn(gw, { name: 'dave', domain: 'acme' });

    await waitFor(() => seen.length >= 6 && seenAcme.length >= 1, 5000, 'events');
    expect(seen.map((e) => [e.kind, e.domain, e.name, e.reason])).toEqual([
      [EventKind.ONLINE, '', 'alice', 'login'],
      [EventKind.OFFLINE, '', 'alice', 'logout'],
      [EventKind.ONLINE, '', 'bob', 'login'],
      [EventKind.KICKED, '', 'bob', 'admin'],
      [EventKind.REJECTED, '', 'carol', 'bad_password'],
      [EventKind.ONLINE, 'acme', 'dave', 'login'],
    ]);
    expect(seen[0]).toMatchObject({ ssid: ssidOf(alice), resource: 'web', termtyp: 3, ip: '127.0.0.1' });
    expect(seen[4]).toMatchObject({ ip: '127.0.0.1' });
    expect(seenAcme.map((e) => [e.kind, e.domain, e.name])).toEqual([[EventKind.ONLINE, 'acme', 'dave']]);
  });
});

describe('admin request bounds and bad frames', () => {
  it('answers 4104 naming the field, 4113 for undecodable or unknown frames, and stays open', async () => {
    const gw = await adminGateway({ max_admin_targets: 3, max_notice_bytes: 16 });
    const admin = await adminOf(gw);
    const refused = (p: Promise<unknown>, admType: number, info: string) =>
      expect(p).rejects.toMatchObject({ name: 'AdminError', code: 4104, admType, info: expect.stringContaining(info) });

    await refused(admin.notice({ names: ['a', 'b'], ssids: ['c', 'd'], dataString: 'x' }), 40, 'names and ssids');
    await refused(admin.notice({ names: ['a'], dataString: 'x'.repeat(17) }), 40, 'dataString');
    await refused(admin.notice({ names: ['a'], dataString: 'x', odType: 3 }), 40, 'odType');
    await refused(admin.notice({ dataString: 'to nobody' }), 40, 'names or ssids');
    await refused(admin.notice({ names: ['a'], dataString: 'x', extend: Object.fromEntries(Array.from({ length: 17 }, (_, i) => [`k${i}`, 'v'])) }), 40, 'extend');
    await refused(admin.notice({ names: ['n'.repeat(129)], dataString: 'x' }), 40, 'names');
    await refused(admin.kick({ ssids: ['s'], blockSeconds: 10 }), 41, 'blockSeconds');
    await refused(admin.kick({ names: ['a'], blockSeconds: -1 }), 41, 'blockSeconds');
    await refused(admin.online('', []), 42, 'names');
    await refused(admin.token('', 'alice', -5), 44, 'ttlSeconds');
    await refused(admin.token('', ''), 44, 'name');
    await refused(admin.subscribe('d'.repeat(129)), 13, 'domain');
    await expect(admin.request(AdminType.AUTH, { name: ADMIN, pwd: PWD })).rejects.toMatchObject({ code: 4104, info: 'already authenticated' });

    const ackIn = (frame: Uint8Array): AdmAck => decodePayload('AdmAck', frame.subarray(1));
    const undecodable = await admin.sendRaw(Buffer.from([AdminType.NOTICE, 0x0a, 0xff]), AdminType.NOTICE);
    expect(ackIn(undecodable)).toMatchObject({ ok: false, admType: 40, error: { code: 4113 } });
    const unknown = await admin.sendRaw(Buffer.from([99]), 99);
    expect(unknown[0]).toBe(99);
    expect(ackIn(unknown)).toMatchObject({ ok: false, admType: 99, error: { code: 4113 } });
    const text = await admin.sendRaw('hello', 0);
    expect(ackIn(text)).toMatchObject({ ok: false, error: { code: 4113 } });
    const unknownOnline = await admin.sendRaw(encodeFrame('adminIn', AdminType.ONLINE, { names: [] }), AdminType.ONLINE);
    expect(unknownOnline[0]).toBe(AdminType.ONLINE); // an error reply to 42 is an AdmAck in a frame of type 42
    expect(ackIn(unknownOnline)).toMatchObject({ ok: false, admType: 42, error: { code: 4104 } });

    await admin.ping();
    expect((await admin.stats()).sessions).toBe(0);
  });
});

const clusterSuite = redisSuitesEnabled() ? describe : describe.skip;

clusterSuite('admin operations across nodes (real redis-server)', () => {
  let redis: RedisServer | undefined;
  afterAll(async () => redis?.stop());

  it('notice, kick with block, online and the event stream reach sessions held by another node', async () => {
    redis ??= await RedisServer.start();
    const cluster = { redis: { url: redis.url, prefix: `adm${Date.now()}:` } };
    const a = await adminGateway({ ...cluster, gateway_id: 'gw-a' });
    const b = await adminGateway({ ...cluster, gateway_id: 'gw-b' });
    const admin = await adminOf(a);
    const seen: AdmEvent[] = [];
    admin.on('event', (e: AdmEvent) => seen.push(e));
    await admin.subscribe('acme');

    const alice = await loggedIn(b, { name: 'alice', domain: 'acme' });
    await waitFor(() => seen.length === 1, 5000, 'ONLINE from node b');
    expect(seen[0]).toMatchObject({ kind: EventKind.ONLINE, domain: 'acme', name: 'alice', ssid: ssidOf(alice) });
    expect((await admin.online('acme', ['alice']))[0]!.sessions).toMatchObject([{ ssid: ssidOf(alice), gateway: 'gw-b' }]);
    expect(await admin.stats()).toMatchObject({ sessions: 1, connections: 0, gateways: 2 });

    expect(await admin.notice({ domain: 'acme', names: ['alice'], dataString: 'from node a', extend: { k: 'v' } })).toBe(1);
    expect(await alice.nextNotice(NoticeKind.INFO)).toMatchObject({ dataString: 'from node a', extend: { k: 'v' } });
    // by ssid alone: found on the other node through the shared table
    expect(await admin.notice({ domain: 'acme', ssids: [ssidOf(alice)], dataString: 'by ssid' })).toBe(1);
    expect(await alice.nextNotice(NoticeKind.INFO)).toMatchObject({ dataString: 'by ssid' });
    const bob = await loggedIn(b, { name: 'bob', domain: 'acme' });
    await waitFor(() => seen.length === 2, 5000, 'ONLINE of bob');
    expect(await admin.kick({ domain: 'acme', ssids: [ssidOf(bob)] })).toBe(1);
    expect((await bob.closed).code).toBe(4001);
    await waitFor(() => seen.length === 3, 5000, 'KICKED of bob');
    seen.splice(1, 2);

    expect(await admin.kick({ domain: 'acme', names: ['alice'], blockSeconds: 60 })).toBe(1);
    expect((await alice.nextNotice(NoticeKind.KICKED)).extend.reason).toBe('admin');
    expect((await alice.closed).code).toBe(4001);
    const retry = await connect(b);
    expect((await retry.login({ name: 'alice', domain: 'acme', pwd: PWD })).error?.code).toBe(4110);
    await waitFor(() => seen.length === 3, 5000, 'KICKED and REJECTED from node b');
    expect(seen.slice(1).map((e) => [e.kind, e.reason])).toEqual([
      [EventKind.KICKED, 'admin'],
      [EventKind.REJECTED, 'blocked'],
    ]);
  });
});
