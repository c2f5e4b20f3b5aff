/**
 * The admin socket's front door: ADMAUTH must come first, wrong credentials
 * and any other first frame get AdmAck 4105 and a close (1008), repeated
 * failures from one address get 5105, and an idle socket is closed with 4003.
 */
import { describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { TimAdminClient } from '../src/client/admin-client.js';
import { decodePayload, encodeFrame } from '../src/protocol/codec.js';
import { AdminType } from '../src/protocol/type-codes.js';
import { RawSocket } from './text-socket.js';
import { ADMIN, adminGateway, authCode, unauthenticatedAdmin } from './admin-helpers.js';
import { onCleanup, PWD, startGateway } from './helpers.js';

describe('ADMAUTH', () => {
  it('opens the socket with the right name and password; the reply names the gateway', async () => {
    const gw = await adminGateway();
    const a = await TimAdminClient.connect(gw.adminUrl, { name: ADMIN, pwd: PWD });
    onCleanup(async () => a.terminate());
    expect(a.gateway).toBe(gw.id);
    await a.ping();
  });

  it('refuses a wrong password and an unknown name alike: AdmAck 4105, then close 1008', async () => {
    const gw = await adminGateway();
    for (const [name, pwd] of [
      [ADMIN, 'wrong'],
      ['intruder', PWD],
      [ADMIN, ''],
    ] as const) {
      const a = await unauthenticatedAdmin(gw);
      await expect(a.request(AdminType.AUTH, { name, pwd })).rejects.toMatchObject({ code: 4105, admType: AdminType.AUTH });
      expect((await a.closed).code).toBe(1008);
    }
  });

  it('refuses an upgrade from a browser (an Origin header) with HTTP 403 before any guess counts; backends send none', async () => {
    const gw = await adminGateway({ admin_auth_failures: { per_second: 0.001, burst: 1 } });
    for (let i = 0; i < 3; i++) {
      const page = new WebSocket(gw.adminUrl, { origin: 'http://evil.example' });
      page.on('error', () => {}); // the handshake aborted below
      const status = await new Promise<number | undefined>((resolve) => {
        page.on('unexpected-response', (req, res) => {
          resolve(res.statusCode);
          req.destroy();
        });
        page.on('open', () => {
          resolve(undefined);
          page.terminate();
        });
      });
      expect(status).toBe(403);
    }
    const a = await TimAdminClient.connect(gw.adminUrl, { name: ADMIN, pwd: PWD }); // the failure bucket is whole
    onCleanup(async () => a.terminate());
    await a.ping();
  });

  it('refuses everyone when tim.json has no admins', async () => {
    const gw = await startGateway();
    expect(await authCode(gw, PWD)).toBe(4105);
  });

  it('answers any other first frame with AdmAck 4105 in that frame type and closes', async () => {
    const gw = await adminGateway();
    for (const type of [AdminType.PING, AdminType.STATS, AdminType.SUB]) {
      const a = await unauthenticatedAdmin(gw);
      await expect(a.request(type, {})).rejects.toMatchObject({ code: 4105, admType: type });
      expect((await a.closed).code).toBe(1008);
    }
    const garbage = await unauthenticatedAdmin(gw);
    const reply = await garbage.sendRaw(Buffer.from([AdminType.AUTH, 0x0a, 0xff]), AdminType.AUTH);
    expect(decodePayload('AdmAck', reply.subarray(1))).toMatchObject({ ok: false, admType: 12, error: { code: 4105 } });
    expect((await garbage.closed).code).toBe(1008);
    const text = await RawSocket.open(gw.adminUrl); // a text first message: text mode, answered in text
    expect(await text.request('{"name":"ops"}')).toMatchObject({ type: 0, data: { ok: false, error: { code: 4105 } } });
    expect(await text.closed).toBe(1008);
  });

  it('slows down repeated failures from one address with 5105, even for the right password; other addresses are not affected', async () => {
    const gw = await adminGateway({ admin_auth_failures: { per_second: 0.001, burst: 2 } });
    expect(await authCode(gw, 'wrong')).toBe(4105);
    expect(await authCode(gw, 'wrong')).toBe(4105);
    expect(await authCode(gw, 'wrong')).toBe(5105);
    expect(await authCode(gw, PWD)).toBe(5105);
    expect(await authCode(gw, PWD, ADMIN, '127.0.0.2')).toBe(0);
  });

  it('attempts made at once are checked one at a time: once the failures empty the bucket, the rest answer 5105, the right password included', async () => {
    const gw = await adminGateway({ admin_auth_failures: { per_second: 0.001, burst: 3 } });
    const wrong = Array.from({ length: 10 }, () => authCode(gw, 'wrong'));
    await new Promise((r) => setTimeout(r, 50)); // the wrong ones arrive first and are still being checked
    const right = authCode(gw, PWD);
    const codes = await Promise.all(wrong);
    expect(codes.filter((c) => c === 4105)).toHaveLength(3);
    expect(codes.filter((c) => c === 5105)).toHaveLength(7);
    expect(await right).toBe(5105);
  });

  it('concurrent right passwords from one address all get in', async () => {
    const gw = await adminGateway({ admin_auth_failures: { per_second: 0.001, burst: 3 } });
    expect(await Promise.all(Array.from({ length: 8 }, () => authCode(gw, PWD)))).toEqual(Array(8).fill(0));
  });

  it('closes a socket that does not authenticate within auth_timeout with 4003', async () => {
    const gw = await adminGateway({ auth_timeout: 0.2 });
    const a = await unauthenticatedAdmin(gw);
    expect((await a.closed).code).toBe(4003);
  });

  it('speaks protobuf-JSON when ADMAUTH sets the 0x80 bit', async () => {
    const gw = await adminGateway();
    const a = await unauthenticatedAdmin(gw);
    const reply = await a.sendRaw(encodeFrame('adminIn', AdminType.AUTH, { name: ADMIN, pwd: PWD }, true, true), AdminType.AUTH);
    expect(reply[0]).toBe(AdminType.AUTH);
    expect(JSON.parse(Buffer.from(reply.subarray(1)).toString())).toMatchObject({ ok: true, admType: 12, n: gw.id });
    const stats = await a.sendRaw(encodeFrame('adminIn', AdminType.STATS, {}, true), AdminType.STATS);
    expect(JSON.parse(Buffer.from(stats.subarray(1)).toString())).toMatchObject({ sessions: '0', gateways: '1' }); // int64 as strings, as in protobuf-JSON
  });

  it('closes admin sockets with 1001 when the gateway shuts down', async () => {
    const gw = await adminGateway();
    const a = await TimAdminClient.connect(gw.adminUrl, { name: ADMIN, pwd: PWD });
    onCleanup(async () => a.terminate());
    await gw.close();
    expect((await a.closed).code).toBe(1001);
  });

  it('serves the admin socket at /admin only', async () => {
    const gw = await adminGateway();
    await expect(TimAdminClient.open(gw.adminUrl.replace(/\/admin$/, '/tim'))).rejects.toThrow('HTTP 404');
  });
});
