/**
 * Session control over real sockets: last-login-wins, auth_min_unix, the AUTH
 * kick list, SESSIONS, KICK, LOGOUT, resume tokens and the heartbeat.
 */
import { describe, expect, it } from 'vitest';
import { NoticeKind } from '../src/protocol/types.js';
import { connect, loggedIn, PWD, startGateway, waitFor } from './helpers.js';
import { ManualClock } from './support/manual-clock.js';

const fast = { login_rate_account: { per_second: 1000, burst: 1000 }, login_rate_ip: { per_second: 1000, burst: 1000 }, password_checks: { concurrent: 4, queued: 100_000, per_ip: 100_000 } };

describe('overentry "kick" (last login wins)', () => {
  it('the old socket gets KICKED (reason new_login, new device) then close 4001; the new one works; the old token is dead', async () => {
    const gw = await startGateway({ overentry: 'kick', device_limit: 1 });
    const old = await loggedIn(gw, { name: 'alice', termtyp: 1, resource: 'phone' });
    const oldToken = old.lastLogin!.token!;
    const fresh = await loggedIn(gw, { name: 'alice', termtyp: 2, resource: 'laptop' });
    const notice = await old.nextNotice(NoticeKind.KICKED);
    expect(notice).toMatchObject({ msType: 1, odType: 3, extend: { reason: 'new_login', resource: 'laptop', termtyp: '2' } });
    expect(await old.closed).toMatchObject({ code: 4001 });
    expect(await fresh.sessions()).toMatchObject({ self: { ssid: fresh.lastLogin!.n2 }, online: [] });
    const retry = await connect(gw);
    expect(await retry.login({ name: 'alice', token: oldToken })).toMatchObject({ ok: false, error: { code: 4115, info: 'error token' } });
  });

  it('a blocking session younger than auth_min_unix is not kicked: the newcomer gets 4111', async () => {
    const gw = await startGateway({ overentry: 'kick', device_limit: 1, auth_min_unix: 60 });
    const old = await loggedIn(gw, { name: 'alice', termtyp: 1 });
    const ack = await (await connect(gw)).login({ name: 'alice', pwd: PWD, termtyp: 2 });
    expect(ack).toMatchObject({ ok: false, error: { code: 4111 } });
    expect(ack.sessions!.map((s) => s.ssid)).toEqual([old.lastLogin!.n2]);
    await old.ping();
    expect(old.notices.some((n) => n.odType === NoticeKind.KICKED)).toBe(false);
  });

  it('per-domain overentry applies to that domain only', async () => {
    const gw = await startGateway({ device_limit: 1, domains: { acme: { overentry: 'kick' } } });
    const acmeOld = await loggedIn(gw, { name: 'bob', domain: 'acme' });
    await loggedIn(gw, { name: 'bob', domain: 'acme' });
    expect(await acmeOld.closed).toMatchObject({ code: 4001 });
    await loggedIn(gw, { name: 'bob' });
    expect(await (await connect(gw)).login({ name: 'bob', pwd: PWD })).toMatchObject({ error: { code: 4111 } });
  });

  it('a type-limit conflict kicks the oldest of that termtyp, not the oldest overall', async () => {
    const gw = await startGateway({ overentry: 'kick', device_limit: 3, devicetype_limit: 1 });
    const oldestOverall = await loggedIn(gw, { name: 'carol', termtyp: 2 });
    const phone = await loggedIn(gw, { name: 'carol', termtyp: 1 });
    const newPhone = await loggedIn(gw, { name: 'carol', termtyp: 1 });
    expect(await phone.closed).toMatchObject({ code: 4001 });
    const list = await newPhone.sessions();
    expect(list.online.map((s) => s.ssid)).toEqual([oldestOverall.lastLogin!.n2]);
  });

  it('a total-limit conflict kicks the oldest overall', async () => {
    const gw = await startGateway({ overentry: 'kick', device_limit: 2, devicetype_limit: 2 });
    const first = await loggedIn(gw, { name: 'carol', termtyp: 1 });
    const second = await loggedIn(gw, { name: 'carol', termtyp: 2 });
    await loggedIn(gw, { name: 'carol', termtyp: 3 });
    expect(await first.closed).toMatchObject({ code: 4001 });
    await second.ping();
  });

  it('100 concurrent kick-mode logins leave exactly device_limit sessions, and every loser was told why', async () => {
    const gw = await startGateway({ overentry: 'kick', device_limit: 2, devicetype_limit: 100, ...fast });
    const clients = await Promise.all(Array.from({ length: 100 }, () => connect(gw)));
    const results = await Promise.all(
      clients.map((c) => c.login({ name: 'dave', pwd: PWD, termtyp: 1 }).then((ack) => ({ ack }), (err: Error) => ({ err }))),
    );
    await waitFor(async () => (await gw.store.registry.list('', 'dave')).length === 2 && gw.service.local.size === 2);
    const live = new Set((await gw.store.registry.list('', 'dave')).map((s) => s.ssid));
    expect(live.size).toBe(2);
    for (const [i, c] of clients.entries()) {
      const r = results[i]!;
      if ('ack' in r && r.ack.ok && live.has(r.ack.n2!)) continue; // a winner
      // a loser: refused with 4111, or kicked (KICKED notice, close 4001)
      if ('ack' in r && !r.ack.ok) {
        expect(r.ack.error?.code).toBe(4111);
        continue;
      }
      const closed = await c.closed;
      expect(closed.code).toBe(4001);
      expect(c.notices.some((n) => n.odType === NoticeKind.KICKED && n.extend.reason === 'new_login')).toBe(true);
    }
  });
});

describe('the account\'s own sessions', () => {
  it('AUTH kick logs out the listed own sessions first (KICKED reason session), then checks the limits', async () => {
    const gw = await startGateway({ device_limit: 2 });
    const a = await loggedIn(gw, { name: 'alice', termtyp: 1, resource: 'a' });
    const b = await loggedIn(gw, { name: 'alice', termtyp: 2, resource: 'b' });
    const refused = await (await connect(gw)).login({ name: 'alice', pwd: PWD, termtyp: 3 });
    expect(refused.sessions!.map((s) => s.ssid)).toEqual([a.lastLogin!.n2, b.lastLogin!.n2]);
    const c = await connect(gw);
    const ack = await c.login({ name: 'alice', pwd: PWD, termtyp: 3, resource: 'c', kick: [a.lastLogin!.n2!] });
    expect(ack).toMatchObject({ ok: true });
    expect(await a.nextNotice(NoticeKind.KICKED)).toMatchObject({ extend: { reason: 'session', resource: 'c', termtyp: '3', ip: '127.0.0.1' } });
    expect(await a.closed).toMatchObject({ code: 4001 });
    expect((await c.sessions()).online.map((s) => s.ssid)).toEqual([b.lastLogin!.n2]);
    expect(await (await connect(gw)).login({ name: 'alice', token: a.lastLogin!.token! })).toMatchObject({ error: { code: 4115 } });
  });

  it('AUTH kick with bad credentials kicks no one', async () => {
    const gw = await startGateway({ device_limit: 2 });
    const a = await loggedIn(gw, { name: 'alice' });
    expect(await (await connect(gw)).login({ name: 'alice', pwd: 'wrong', kick: [a.lastLogin!.n2!] })).toMatchObject({ error: { code: 4105 } });
    await a.ping();
    expect(a.notices).toEqual([]);
  });

  it('SESSIONS lists self and the other sessions with resource, termtyp, times, ip and gateway', async () => {
    const gw = await startGateway({ device_limit: 3, devicetype_limit: 3 });
    const a = await loggedIn(gw, { name: 'bob', termtyp: 1, resource: 'phone' });
    const b = await connect(gw);
    expect(await b.login({ name: 'bob', pwd: PWD, termtyp: 2, resource: 'pc', extend: { os: 'linux' } })).toMatchObject({ ok: true });
    await loggedIn(gw, { name: 'alice' });
    const list = await a.sessions();
    expect(list.online[0]!.extend).toEqual({ os: 'linux' });
    expect(list.self!.extend).toEqual({});
    expect(list.self).toMatchObject({ ssid: a.lastLogin!.n2, resource: 'phone', termtyp: 1, ip: '127.0.0.1', gateway: gw.id, loginTime: a.lastLogin!.t });
    expect(list.online).toHaveLength(1);
    expect(list.online[0]).toMatchObject({ ssid: b.lastLogin!.n2, resource: 'pc', termtyp: 2 });
    expect(list.self!.refreshTime).toBeGreaterThanOrEqual(list.self!.loginTime);
  });

  it('refreshTime follows the last frame seen', async () => {
    const clock = new ManualClock();
    const gw = await startGateway({ device_limit: 2, devicetype_limit: 2 }, { clock: clock.now });
    const a = await loggedIn(gw, { name: 'bob' });
    const b = await loggedIn(gw, { name: 'bob' });
    clock.t += 50;
    await b.ping();
    const list = await a.sessions();
    expect(list.online[0]!.refreshTime).toBe(list.online[0]!.loginTime + 50);
  });

  it('KICK logs out own sessions (ACK t = count); foreign and unknown ssids are ignored', async () => {
    const gw = await startGateway({ device_limit: 3, devicetype_limit: 3 });
    const a = await loggedIn(gw, { name: 'alice' });
    const b = await loggedIn(gw, { name: 'alice' });
    const other = await loggedIn(gw, { name: 'bob' });
    const ack = await a.kick([b.lastLogin!.n2!, other.lastLogin!.n2!, 'no-such-ssid']);
    expect(ack).toMatchObject({ ok: true, timType: 31, t: 1 });
    expect(await b.nextNotice(NoticeKind.KICKED)).toMatchObject({ extend: { reason: 'session' } });
    expect(await b.closed).toMatchObject({ code: 4001 });
    await other.ping();
    expect(other.notices).toEqual([]);
    expect(await a.kick([other.lastLogin!.n2!])).toMatchObject({ ok: true, t: 0 });
  });

  it('LOGOUT: ACK then close 4002; the resume token is revoked', async () => {
    const gw = await startGateway();
    const a = await loggedIn(gw, { name: 'alice' });
    expect(await a.logout()).toMatchObject({ ok: true, timType: 20 });
    expect(await a.closed).toMatchObject({ code: 4002 });
    expect(await (await connect(gw)).login({ name: 'alice', token: a.lastLogin!.token! })).toMatchObject({ ok: false, error: { code: 4115 } });
    expect(await (await connect(gw)).login({ name: 'alice', pwd: PWD })).toMatchObject({ ok: true });
  });
});

describe('resume tokens', () => {
  it('resume after a dropped socket keeps the ssid and the count, kicks no one', async () => {
    const gw = await startGateway({ device_limit: 2, devicetype_limit: 2, heartbeat_interval: 60 });
    const a = await loggedIn(gw, { name: 'carol', termtyp: 1 });
    const b = await loggedIn(gw, { name: 'carol', termtyp: 1 });
    const { n2: ssid, token } = a.lastLogin!;
    a.terminate();
    await waitFor(() => gw.service.local.size === 1, 5000, 'the dropped session to leave the table');
    const back = await connect(gw);
    const ack = await back.login({ name: 'carol', token: token! });
    expect(ack).toMatchObject({ ok: true, n2: ssid });
    expect(ack.token).not.toBe(token);
    const list = await back.sessions();
    expect(list.self!.ssid).toBe(ssid);
    expect(list.online.map((s) => s.ssid)).toEqual([b.lastLogin!.n2]);
    await b.ping();
    expect(b.notices).toEqual([]);
  });

  it('resume while the old socket is still open takes its place; the old socket gets KICKED (resumed) and 4001', async () => {
    const gw = await startGateway({ device_limit: 1 });
    const a = await loggedIn(gw, { name: 'carol' });
    const back = await connect(gw);
    expect(await back.login({ name: 'carol', token: a.lastLogin!.token! })).toMatchObject({ ok: true, n2: a.lastLogin!.n2 });
    expect(await a.nextNotice(NoticeKind.KICKED)).toMatchObject({ extend: { reason: 'resumed' } });
    expect(await a.closed).toMatchObject({ code: 4001 });
    await back.ping();
    expect((await back.sessions()).online).toEqual([]);
    expect(gw.service.local.size).toBe(1);
  });

  it('after a clean close, a resume is a login under the same ssid that obeys the limits', async () => {
    const gw = await startGateway({ device_limit: 1 });
    const a = await loggedIn(gw, { name: 'carol' });
    await a.close();
    await waitFor(() => gw.service.local.size === 0);
    const other = await loggedIn(gw, { name: 'carol' });
    expect(await (await connect(gw)).login({ name: 'carol', token: a.lastLogin!.token! })).toMatchObject({ ok: false, error: { code: 4111 } });
    await other.close();
    await waitFor(() => gw.service.local.size === 0);
    expect(await (await connect(gw)).login({ name: 'carol', token: a.lastLogin!.token! })).toMatchObject({ ok: true, n2: a.lastLogin!.n2 });
  });

  it('a token is bound to its account, and a tampered or unknown token answers 4115', async () => {
    const gw = await startGateway({ device_limit: 2 });
    const a = await loggedIn(gw, { name: 'alice' });
    const token = a.lastLogin!.token!;
    const c = await connect(gw);
    expect(await c.login({ name: 'bob', token })).toMatchObject({ error: { code: 4115 } });
    expect(await c.login({ name: 'alice', domain: 'acme', token })).toMatchObject({ error: { code: 4115 } });
    expect(await c.login({ name: 'alice', token: token.slice(0, -1) + (token.endsWith('A') ? 'B' : 'A') })).toMatchObject({ error: { code: 4115 } });
    expect(await c.login({ name: 'alice', token: 'r.nope.nope' })).toMatchObject({ error: { code: 4115 } });
  });

  it('an expired token answers 4115', async () => {
    const gw = await startGateway({ device_limit: 2, resume_timeout: 1 });
    const a = await loggedIn(gw, { name: 'alice' });
    a.terminate();
    await new Promise((r) => setTimeout(r, 1100));
    expect(await (await connect(gw)).login({ name: 'alice', token: a.lastLogin!.token! })).toMatchObject({ error: { code: 4115 } });
  });
});

describe('heartbeat', () => {
  it('a socket whose session the table no longer lists (a lost kick) is closed at the next heartbeat: KICKED reason revoked, 4001', async () => {
    const gw = await startGateway({ device_limit: 2, heartbeat_interval: 0.1 });
    const a = await loggedIn(gw, { name: 'dave' });
    const b = await loggedIn(gw, { name: 'dave' });
    await gw.store.registry.removeSessions('', 'dave', [a.lastLogin!.n2!]); // as if the kick never reached the socket
    expect(await a.nextNotice(NoticeKind.KICKED)).toMatchObject({ extend: { reason: 'revoked' } });
    expect(await a.closed).toMatchObject({ code: 4001 });
    await new Promise((r) => setTimeout(r, 300));
    await b.ping();
    expect(b.notices).toEqual([]);
  });

  it('a socket that stops answering pings is closed with 4004 and frees its slot', async () => {
    const gw = await startGateway({ device_limit: 1, heartbeat_interval: 0.1 });
    const dead = await connect(gw, { autoPong: false });
    expect(await dead.login({ name: 'dave', pwd: PWD })).toMatchObject({ ok: true });
    const alive = await loggedIn(gw, { name: 'alice' });
    expect(await dead.closed).toMatchObject({ code: 4004 });
    expect(await (await connect(gw)).login({ name: 'dave', pwd: PWD })).toMatchObject({ ok: true });
    await alive.ping();
    expect(alive.ws.readyState).toBe(alive.ws.OPEN);
  });
});
