/**
 * Gateway core over real sockets: AUTH, limits, 4111 with blocking sessions,
 * LOGOUT_REQUEST notices, domain isolation, concurrency, and the socket-level
 * rules (auth timeout, frame size, bad frames).
 */
import { describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { encodeFrame } from '../src/protocol/codec.js';
import { ClientType } from '../src/protocol/type-codes.js';
import { NoticeKind } from '../src/protocol/types.js';
import { connect, loggedIn, PWD, startGateway, waitFor } from './helpers.js';

describe('login', () => {
  it('name+pwd logs in: ACK ok with account id, ssid, login time, resume token', async () => {
    const gw = await startGateway();
    const c = await connect(gw);
    const before = Date.now();
    const ack = await c.login({ name: 'alice', pwd: PWD, termtyp: 1, resource: 'huawei50' });
    expect(ack).toMatchObject({ ok: true, timType: 16 });
    expect(ack.n).toMatch(/^[A-Za-z0-9_-]{10,}$/);
    expect(ack.n2).toMatch(/^[A-Za-z0-9_-]{10,}$/);
    expect(ack.t).toBeGreaterThanOrEqual(before);
    expect(ack.token).toMatch(/^r\./);
    expect(ack.t2).toBeGreaterThan(ack.t! + 3600_000);
    const again = await (await connect(gw)).login({ name: 'alice', pwd: PWD, domain: 'acme' });
    expect(again.n).not.toBe(ack.n);
  });

  it('the account id is stable across logins', async () => {
    const gw = await startGateway({ device_limit: 2, devicetype_limit: 2 });
    const a = await (await connect(gw)).login({ name: 'bob', pwd: PWD });
    const b = await (await connect(gw)).login({ name: 'bob', pwd: PWD });
    expect(a.n).toBe(b.n);
    expect(a.n2).not.toBe(b.n2);
  });

  it('wrong password and unknown account both answer 4105 permission denied', async () => {
    const gw = await startGateway();
    const c = await connect(gw);
    expect(await c.login({ name: 'alice', pwd: 'nope' })).toMatchObject({ ok: false, timType: 16, error: { code: 4105, info: 'permission denied' } });
    expect(await c.login({ name: 'mallory', pwd: PWD })).toMatchObject({ ok: false, error: { code: 4105, info: 'permission denied' } });
    expect(await c.login({ name: 'alice', pwd: PWD, domain: 'nodomain' })).toMatchObject({ ok: false, error: { code: 4105 } });
    expect(await c.login({ name: 'alice', pwd: PWD })).toMatchObject({ ok: true });
  });

  it('missing name or credentials answer 4104 naming the field', async () => {
    const gw = await startGateway();
    const c = await connect(gw);
    expect(await c.login({ pwd: PWD })).toMatchObject({ ok: false, error: { code: 4104, info: 'name is required' } });
    expect(await c.login({ name: 'alice' })).toMatchObject({ ok: false, error: { code: 4104, info: 'pwd or token is required' } });
    expect(await c.login({ name: 'alice', pwd: PWD, termtyp: 128 })).toMatchObject({ ok: false, error: { code: 4104, info: 'termtyp must be 0..127' } });
  });

  it('over entry: 4111 lists the blocking sessions and each of them gets a LOGOUT_REQUEST with the new device', async () => {
    const gw = await startGateway({ device_limit: 1 });
    const phone = await loggedIn(gw, { name: 'alice', termtyp: 1, resource: 'phone' });
    const laptop = await connect(gw);
    const ack = await laptop.login({ name: 'alice', pwd: PWD, termtyp: 2, resource: 'laptop' });
    expect(ack).toMatchObject({ ok: false, timType: 16, error: { code: 4111, info: 'over entry' } });
    expect(ack.sessions).toHaveLength(1);
    expect(ack.sessions![0]).toMatchObject({ ssid: phone.lastLogin!.n2, resource: 'phone', termtyp: 1, ip: '127.0.0.1', gateway: gw.id, loginTime: phone.lastLogin!.t });
    const notice = await phone.nextNotice(NoticeKind.LOGOUT_REQUEST);
    expect(notice).toMatchObject({ msType: 1, odType: 2, extend: { resource: 'laptop', termtyp: '2', ip: '127.0.0.1' } });
    expect(notice.timestamp).toBeGreaterThan(0);
    // the refused socket stays usable and the older one stays logged in
    expect(await phone.sessions()).toMatchObject({ self: { ssid: phone.lastLogin!.n2 }, online: [] });
  });

  it('devicetype_limit is independent of device_limit', async () => {
    const gw = await startGateway({ device_limit: 3, devicetype_limit: 1 });
    await loggedIn(gw, { name: 'alice', termtyp: 1 });
    await loggedIn(gw, { name: 'alice', termtyp: 2 });
    const sameType = await (await connect(gw)).login({ name: 'alice', pwd: PWD, termtyp: 1 });
    expect(sameType).toMatchObject({ ok: false, error: { code: 4111 } });
    expect(sameType.sessions!.map((s) => s.termtyp)).toEqual([1]);
    await loggedIn(gw, { name: 'alice', termtyp: 0 });
    const total = await (await connect(gw)).login({ name: 'alice', pwd: PWD, termtyp: 3 });
    expect(total).toMatchObject({ ok: false, error: { code: 4111 } });
    expect(total.sessions).toHaveLength(3);
  });

  it('termtyp 0 counts only against device_limit', async () => {
    const gw = await startGateway({ device_limit: 2, devicetype_limit: 1 });
    await loggedIn(gw, { name: 'alice', termtyp: 0 });
    await loggedIn(gw, { name: 'alice', termtyp: 0 });
    expect(await (await connect(gw)).login({ name: 'alice', pwd: PWD, termtyp: 0 })).toMatchObject({ error: { code: 4111 } });
  });

  it('per-domain overrides apply to their domain only', async () => {
    const gw = await startGateway({ device_limit: 1, domains: { acme: { 'device.limit': 2, devicetype_limit: 2 } } });
    await loggedIn(gw, { name: 'alice', domain: 'acme' });
    await loggedIn(gw, { name: 'alice', domain: 'acme' });
    await loggedIn(gw, { name: 'alice' });
    expect(await (await connect(gw)).login({ name: 'alice', pwd: PWD })).toMatchObject({ error: { code: 4111 } });
  });

  it('domain isolation: the same name in two domains are two accounts', async () => {
    const gw = await startGateway({ device_limit: 1 });
    const a = await loggedIn(gw, { name: 'alice', domain: '' });
    const b = await loggedIn(gw, { name: 'alice', domain: 'acme' });
    const c = await loggedIn(gw, { name: 'alice', domain: 'other' });
    expect(new Set([a.lastLogin!.n, b.lastLogin!.n, c.lastLogin!.n]).size).toBe(3);
    expect((await b.sessions()).online).toEqual([]);
    // a kick list naming another domain's ssid does nothing to it
    await a.close();
    const a2 = await connect(gw);
    expect(await a2.login({ name: 'alice', pwd: PWD, kick: [b.lastLogin!.n2!] })).toMatchObject({ ok: true });
    expect((await b.sessions()).self?.ssid).toBe(b.lastLogin!.n2);
  });

  it('200 simultaneous logins of one account never exceed the limit', async () => {
    const gw = await startGateway({ device_limit: 3, devicetype_limit: 2, login_rate_account: { per_second: 1000, burst: 1000 }, login_rate_ip: { per_second: 1000, burst: 1000 }, password_checks: { concurrent: 4, queued: 100_000, per_ip: 100_000 } });
    const clients = await Promise.all(Array.from({ length: 200 }, () => connect(gw)));
    const acks = await Promise.all(clients.map((c, i) => c.login({ name: 'carol', pwd: PWD, termtyp: (i % 2) + 1 })));
    const ok = acks.filter((a) => a.ok);
    expect(ok).toHaveLength(3);
    expect(acks.filter((a) => !a.ok).every((a) => a.error?.code === 4111)).toBe(true);
    const listed = await clients[acks.indexOf(ok[0]!)]!.sessions();
    expect(1 + listed.online.length).toBe(3);
    expect([listed.self!, ...listed.online].filter((s) => s.termtyp === 1).length).toBeLessThanOrEqual(2);
  });

  it('a closed socket leaves the table at once, freeing its slot', async () => {
    const gw = await startGateway({ device_limit: 1 });
    const first = await loggedIn(gw, { name: 'dave' });
    await first.close();
    await waitFor(() => gw.service.local.size === 0);
    expect(await (await connect(gw)).login({ name: 'dave', pwd: PWD })).toMatchObject({ ok: true });
  });

  it('a socket dropped without a close frame also leaves the table', async () => {
    const gw = await startGateway({ device_limit: 1 });
    const first = await loggedIn(gw, { name: 'dave' });
    first.terminate();
    await waitFor(() => gw.service.local.size === 0);
    expect(await (await connect(gw)).login({ name: 'dave', pwd: PWD })).toMatchObject({ ok: true });
  });

  it('a second AUTH on a logged-in socket is refused with 4104', async () => {
    const gw = await startGateway({ device_limit: 2 });
    const c = await loggedIn(gw, { name: 'alice' });
    expect(await c.login({ name: 'bob', pwd: PWD })).toMatchObject({ ok: false, error: { code: 4104, info: 'already logged in' } });
  });

  it('JSON mode: AUTH with the 0x80 bit, JSON replies and notices', async () => {
    const gw = await startGateway({ device_limit: 1 });
    const c = await connect(gw, { format: 'json' });
    const raw: Buffer[] = [];
    c.ws.on('message', (d: ArrayBuffer) => raw.push(Buffer.from(d))); // the client reads binary messages as ArrayBuffers (WHATWG binaryType)
    const ack = await c.login({ name: 'alice', pwd: PWD, termtyp: 1 });
    expect(ack).toMatchObject({ ok: true });
    expect(raw[0]![0]).toBe(12);
    expect(JSON.parse(raw[0]!.subarray(1).toString())).toMatchObject({ ok: true, timType: 16, n2: ack.n2 });
    await (await connect(gw)).login({ name: 'alice', pwd: PWD, termtyp: 2 });
    expect(await c.nextNotice(NoticeKind.LOGOUT_REQUEST)).toMatchObject({ odType: 2, extend: { termtyp: '2' } });
    expect(raw.some((d) => d[0] === 90 && d[1] === 0x7b)).toBe(true);
    expect(await c.sessions()).toMatchObject({ self: { ssid: ack.n2 } });
  });

  it('JSON mode: a flagged AUTH whose payload is bad gets its 4113 in JSON, and the connection stays JSON', async () => {
    const gw = await startGateway({ device_limit: 1 });
    const ws = new WebSocket(gw.clientUrl);
    const replies: Buffer[] = [];
    const next = (): Promise<Buffer> => new Promise((resolve) => ws.once('message', (d: Buffer) => resolve(d)));
    await new Promise((resolve) => ws.once('open', resolve));
    for (const body of ['{bad', '{"name":"alice","pwd":"x","termtyp":"one"}']) {
      const reply = next();
      ws.send(Buffer.concat([Buffer.from([ClientType.AUTH | 0x80]), Buffer.from(body)]));
      replies.push(await reply);
    }
    for (const r of replies) {
      expect(r[0]).toBe(12);
      expect(JSON.parse(r.subarray(1).toString())).toMatchObject({ ok: false, timType: 16, error: { code: 4113 } });
    }
    const ok = next();
    ws.send(Buffer.concat([Buffer.from([ClientType.AUTH | 0x80]), Buffer.from(JSON.stringify({ name: 'alice', pwd: PWD, termtyp: 1 }))]));
    expect(JSON.parse((await ok).subarray(1).toString())).toMatchObject({ ok: true, timType: 16 });
    ws.close();
  });
});

describe('socket rules', () => {
  it('an unauthenticated socket is closed with 4003 after auth_timeout', async () => {
    const gw = await startGateway({ auth_timeout: 0.2 });
    const c = await connect(gw);
    expect(await c.closed).toMatchObject({ code: 4003 });
  });

  it('a logged-in socket is not closed by auth_timeout', async () => {
    const gw = await startGateway({ auth_timeout: 0.2 });
    const c = await loggedIn(gw, { name: 'alice' });
    await new Promise((r) => setTimeout(r, 400));
    await c.ping();
  });

  it('a frame larger than max_frame closes with 1009', async () => {
    const gw = await startGateway({ max_frame: 1024 });
    const c = await connect(gw);
    c.ws.send(Buffer.concat([Buffer.from([ClientType.AUTH]), Buffer.alloc(2000, 1)]));
    expect(await c.closed).toMatchObject({ code: 1009 });
    // and the gateway keeps serving
    expect(await (await connect(gw)).login({ name: 'alice', pwd: PWD })).toMatchObject({ ok: true });
  });

  it('garbage frames get ACK 4113 and max_bad_frames of them close with 4005', async () => {
    const gw = await startGateway({ max_bad_frames: 3 });
    const c = await connect(gw);
    expect(await c.sendRaw(Buffer.from([16, 0x0a, 0x09, 0x61]), true)).toMatchObject({ ok: false, timType: 16, error: { code: 4113 } });
    expect(await c.sendRaw(Buffer.from([77, 1, 2, 3]), true)).toMatchObject({ ok: false, timType: 77, error: { code: 4113 } });
    expect(await c.sendRaw('text frames are a protocol error', true)).toMatchObject({ ok: false, error: { code: 4113 } });
    expect(await c.closed).toMatchObject({ code: 4005 });
  });

  it('before AUTH only AUTH and PING are accepted; other frames get 4105 and count as bad', async () => {
    const gw = await startGateway({ max_bad_frames: 2 });
    const c = await connect(gw);
    c.ws.send(encodeFrame('clientIn', ClientType.PING));
    expect(await c.sendRaw(encodeFrame('clientIn', ClientType.SESSIONS), true)).toMatchObject({ ok: false, timType: 30, error: { code: 4105 } });
    expect(await c.sendRaw(encodeFrame('clientIn', ClientType.KICK, { ssid: ['x'] }), true)).toMatchObject({ ok: false, timType: 31, error: { code: 4105 } });
    expect(await c.closed).toMatchObject({ code: 4005 });
  });

  it('PING is echoed after login', async () => {
    const gw = await startGateway();
    const c = await loggedIn(gw, { name: 'alice' });
    const echoed = new Promise<Buffer>((resolve) => c.ws.once('message', (d: ArrayBuffer) => resolve(Buffer.from(d))));
    c.ws.send(Buffer.from([ClientType.PING]));
    expect([...(await echoed)]).toEqual([13]);
  });

  it('replies come in the order the frames were received', async () => {
    const gw = await startGateway({ device_limit: 2 });
    const c = await connect(gw);
    const types: number[] = [];
    c.on('frame', (f) => types.push(f.type));
    c.ws.send(encodeFrame('clientIn', ClientType.AUTH, { name: 'alice', pwd: PWD }));
    c.ws.send(encodeFrame('clientIn', ClientType.SESSIONS));
    c.ws.send(encodeFrame('clientIn', ClientType.PING));
    await waitFor(() => types.length === 3);
    expect(types).toEqual([12, 30, 13]);
  });

  it('plain HTTP on the client listener answers 426 and /tim is the only socket path', async () => {
    const gw = await startGateway();
    const res = await fetch(gw.clientUrl.replace('ws://', 'http://'));
    expect(res.status).toBe(426);
    const ws = new WebSocket(gw.clientUrl.replace('/tim', '/other'));
    const status = await new Promise<number>((resolve) => ws.on('unexpected-response', (_req, r) => resolve(r.statusCode ?? 0)));
    expect(status).toBe(404);
  });
});
