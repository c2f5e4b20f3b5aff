/**
 * Text mode (PROTOCOL.md section 10) on both sockets, checked message by
 * message on the wire: `{"type": CODE, "data": PAYLOAD}`, int64 as numbers,
 * and a message of the other kind than the connection's answered 4113.
 */
import { describe, expect, it } from 'vitest';
import { decodePayload, encodeFrame } from '../src/protocol/codec.js';
import { AdminType, ClientType } from '../src/protocol/type-codes.js';
import { adminGateway, ADMIN } from './admin-helpers.js';
import { connect, loggedIn, PWD, startGateway } from './helpers.js';
import { RawSocket } from './text-socket.js';

describe('text mode, client socket', () => {
  it('AUTH/ACK, PING, SESSIONS, KICK and LOGOUT are JSON objects with int64 values as numbers', async () => {
    const gw = await startGateway({ device_limit: 3, devicetype_limit: 3 });
    const other = await loggedIn(gw, { name: 'alice', termtyp: 2, resource: 'phone' });
    const s = await RawSocket.open(gw.clientUrl);

    const ack = await s.request({ type: ClientType.AUTH, data: { name: 'alice', pwd: PWD, termtyp: 1, resource: 'web', extend: { tab: '1' } } });
    expect(ack).toMatchObject({ type: 12, data: { ok: true, timType: 16, n2: expect.any(String), token: expect.any(String) } });
    const { t, t2, n2: ssid } = ack.data as { t: unknown; t2: unknown; n2: string };
    expect(typeof t).toBe('number');
    expect(typeof t2).toBe('number');
    expect(Math.abs((t as number) - Date.now())).toBeLessThan(60_000);

    s.send({ type: ClientType.PING });
    const pong = await s.next();
    expect('text' in pong && pong.text).toBe('{"type":13}');

    const sessions = await s.request({ type: ClientType.SESSIONS, data: {} });
    expect(sessions.type).toBe(30);
    const { self, online } = sessions.data as { self: { ssid: string; loginTime: unknown; extend: object }; online: { ssid: string; resource: string }[] };
    expect(self).toMatchObject({ ssid, extend: { tab: '1' } });
    expect(typeof self.loginTime).toBe('number');
    expect(online).toEqual([expect.objectContaining({ ssid: other.lastLogin!.n2, resource: 'phone' })]);

    const kicked = await s.request({ type: ClientType.KICK, data: { ssid: [other.lastLogin!.n2] } });
    expect(kicked).toEqual({ type: 12, data: expect.objectContaining({ ok: true, timType: 31, t: 1 }) });
    expect((await other.closed).code).toBe(4001);
    expect(other.notices.at(-1)?.extend).toMatchObject({ reason: 'session', resource: 'web', termtyp: '1' });

    const bye = await s.request({ type: ClientType.LOGOUT });
    expect(bye).toEqual({ type: 12, data: expect.objectContaining({ ok: true, timType: 20 }) });
    expect(await s.closed).toBe(4002);
  });

  it('notices arrive as type 90: an over-entry login sends a LOGOUT_REQUEST naming the asking device', async () => {
    const gw = await startGateway();
    const s = await RawSocket.open(gw.clientUrl);
    expect((await s.request({ type: 16, data: { name: 'bob', pwd: PWD, resource: 'web' } })).data).toMatchObject({ ok: true });
    const refused = await (await connect(gw)).login({ name: 'bob', pwd: PWD, resource: 'laptop', termtyp: 4 });
    expect(refused.error?.code).toBe(4111);
    const notice = await s.nextText();
    expect(notice).toMatchObject({ type: 90, data: { msType: 1, odType: 2, extend: { resource: 'laptop', termtyp: '4' } } });
    expect(typeof notice.data!.id).toBe('number');
    expect(typeof notice.data!.timestamp).toBe('number');
  });

  it('a binary frame on a text connection, a text message on a binary one, unknown codes and bad JSON are 4113; enough of them close with 4005', async () => {
    const gw = await startGateway({ max_bad_frames: 4 });
    const s = await RawSocket.open(gw.clientUrl);
    s.send('{"type":13,"data":{}}'); // PING before AUTH: no answer, not a bad frame
    expect(await s.request({ type: ClientType.SESSIONS })).toEqual({ type: 12, data: expect.objectContaining({ ok: false, timType: 30, error: { code: 4105, info: 'permission denied' } }) });
    s.send(encodeFrame('clientIn', ClientType.AUTH, { name: 'alice', pwd: PWD }));
    expect((await s.nextText()).data).toMatchObject({ ok: false, timType: 0, error: { code: 4113, info: 'format error: binary-frame' } });
    expect((await s.request({ type: 99 })).data).toMatchObject({ ok: false, timType: 99, error: { code: 4113 } });
    expect((await s.request({ type: 16, data: { name: 'alice' }, id: 7 })).data).toMatchObject({ ok: false, timType: 16, error: { code: 4113 } });
    s.send('{"type":16');
    expect(await s.closed).toBe(4005);

    const b = await connect(gw);
    b.ws.send(encodeFrame('clientIn', ClientType.PING)); // the first message is binary: a binary connection
    expect(await b.sendRaw('{"type":16,"data":{"name":"alice","pwd":"x"}}', true)).toMatchObject({ ok: false, timType: 0, error: { code: 4113, info: 'format error: text-frame' } });
  });
});

describe('text mode, admin socket', () => {
  it('ADMAUTH, ADMSTATS and ADMPING in text; a failed request is an AdmAck under its type; binary frames are 4113', async () => {
    const gw = await adminGateway();
    await loggedIn(gw, { name: 'carol' });
    const a = await RawSocket.open(gw.adminUrl);
    expect(await a.request({ type: AdminType.AUTH, data: { name: ADMIN, pwd: PWD } })).toEqual({ type: 12, data: expect.objectContaining({ ok: true, admType: 12, n: gw.id }) });
    const stats = await a.request({ type: AdminType.STATS });
    expect(stats).toEqual({ type: 43, data: expect.objectContaining({ sessions: 1, accounts: 1, connections: 1, gateways: 1 }) });
    expect(stats.data!.perDomain).toEqual({ '': 1 });
    const ping = await (a.send({ type: AdminType.PING }), a.next());
    expect('text' in ping && ping.text).toBe('{"type":11}');
    expect(await a.request({ type: AdminType.ONLINE, data: { domain: '', names: ['x'.repeat(5000)] } })).toMatchObject({ type: 42, data: { ok: false, admType: 42, error: { code: 4104 } } });
    a.send(encodeFrame('adminIn', AdminType.STATS, {}));
    expect(await a.nextText()).toMatchObject({ type: 0, data: { ok: false, error: { code: 4113, info: 'format error: binary-frame' } } });
  });

  it('a binary admin socket answers a text message 4113 in binary', async () => {
    const gw = await adminGateway();
    const a = await RawSocket.open(gw.adminUrl);
    a.send(encodeFrame('adminIn', AdminType.AUTH, { name: ADMIN, pwd: PWD }));
    const ok = await a.next();
    if (!('bytes' in ok)) throw new Error('expected a binary reply');
    a.send({ type: AdminType.STATS });
    const bad = await a.next();
    if (!('bytes' in bad)) throw new Error('expected a binary reply');
    expect(bad.bytes[0]).toBe(0);
    expect(decodePayload('AdmAck', bad.bytes.subarray(1))).toMatchObject({ ok: false, error: { code: 4113, info: 'format error: text-frame' } });
  });
});
