/**
 * Floods and hostile peers over real sockets: unauthenticated sockets per IP
 * (HTTP 429), connect_limit (HTTP 503), login rate limits per IP and per
 * account (5105), slow consumers (close 4006), the origins allow-list (HTTP
 * 403), sessions of other accounts (never touched), and the admin listener's
 * loopback default. A second loopback address (127.0.0.2) plays the
 * well-behaved client next to an attacker on 127.0.0.1.
 */
import type { Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import { buildConfig } from '../src/config/load.js';
import { parseListen } from '../src/config/schema.js';
import { encodeFrame } from '../src/protocol/codec.js';
import { ClientType } from '../src/protocol/type-codes.js';
import type { Gateway } from '../src/gateway.js';
import { connect, loggedIn, PWD, startGateway, waitFor } from './helpers.js';
import { rawUpgrade } from './raw-upgrade.js';

/** The well-behaved client's source address. */
const OTHER_IP = '127.0.0.2';

/** Opens `n` raw upgrades (at most 500 at a time) and counts the answers by HTTP status. */
async function flood(gw: Gateway, n: number, sockets: Socket[]): Promise<Record<number, number>> {
  const counts: Record<number, number> = {};
  for (let done = 0; done < n; done += 500) {
    const batch = Array.from({ length: Math.min(500, n - done) }, () => rawUpgrade(gw.clientUrl));
    sockets.push(...batch.map((b) => b.socket));
    const statuses = await Promise.all(batch.map((b) => b.status));
    for (const st of statuses) counts[st] = (counts[st] ?? 0) + 1;
  }
  return counts;
}

/** Connects from the second loopback address. */
const fromOtherIp = (gw: Gateway) => connect(gw, { ws: { localAddress: OTHER_IP } });

/** Value of a labelled counter of the gateway's metrics. */
async function closesWith(gw: Gateway, code: number): Promise<number> {
  return (await gw.metrics.closes.get()).values.find((v) => v.labels.code === String(code))?.value ?? 0;
}

describe('socket floods', () => {
  it('5,000 sockets that never AUTH from one IP: 256 accepted, the rest HTTP 429, and a client from another IP logs in', async () => {
    const gw = await startGateway({ auth_timeout: 300 });
    const sockets: Socket[] = [];
    const loginDuringFlood = async () => (await fromOtherIp(gw)).login({ name: 'alice', pwd: PWD });
    const [counts, during] = await Promise.all([flood(gw, 5000, sockets), loginDuringFlood()]);
    expect(during).toMatchObject({ ok: true });
    expect(counts).toEqual({ 101: gw.config.unauth_per_ip, 429: 5000 - gw.config.unauth_per_ip });
    expect(gw.clients.connections.size).toBe(gw.config.unauth_per_ip + 1);

    const good = await fromOtherIp(gw);
    expect(await good.login({ name: 'carol', pwd: PWD })).toMatchObject({ ok: true });
    await expect(connect(gw)).rejects.toThrow('HTTP 429');

    // once the attacker's sockets are gone, its address may connect again
    sockets.forEach((s) => s.destroy());
    await waitFor(() => gw.clients.connections.size === 2, 10_000, 'attacker sockets to be released');
    expect(await (await connect(gw)).login({ name: 'bob', pwd: PWD })).toMatchObject({ ok: true });
  });

  it('an authenticated socket no longer counts against unauth_per_ip', async () => {
    const gw = await startGateway({ unauth_per_ip: 2 });
    const a = await connect(gw);
    await connect(gw);
    await expect(connect(gw)).rejects.toThrow('HTTP 429');
    await fromOtherIp(gw);
    expect(await a.login({ name: 'alice', pwd: PWD })).toMatchObject({ ok: true });
    await connect(gw);
  });

  it('connect_limit refuses sockets beyond it with HTTP 503, from any IP, until one closes', async () => {
    const gw = await startGateway({ connect_limit: 3 });
    const first = await loggedIn(gw, { name: 'alice' });
    await connect(gw);
    await fromOtherIp(gw);
    await expect(connect(gw)).rejects.toThrow('HTTP 503');
    await expect(fromOtherIp(gw)).rejects.toThrow('HTTP 503');
    await first.close();
    await waitFor(() => gw.clients.connections.size === 2);
    expect(await (await connect(gw)).login({ name: 'bob', pwd: PWD })).toMatchObject({ ok: true });
  });
});

describe('login rate limits', () => {
  it('per IP: attempts beyond the bucket answer 5105 from that IP only', async () => {
    const gw = await startGateway({ login_rate_ip: { per_second: 0.001, burst: 3 } });
    const c = await connect(gw);
    for (const name of ['alice', 'bob', 'carol']) expect(await c.login({ name, pwd: 'wrong' })).toMatchObject({ error: { code: 4105 } });
    expect(await c.login({ name: 'dave', pwd: PWD })).toMatchObject({ ok: false, timType: 16, error: { code: 5105, info: 'freq out of limit' } });
    expect(await (await fromOtherIp(gw)).login({ name: 'dave', pwd: PWD })).toMatchObject({ ok: true });
  });

  it('per account: failed passwords beyond the bucket make password logins answer 5105; tokens and other accounts are unaffected', async () => {
    const gw = await startGateway({ login_rate_account: { per_second: 0.001, burst: 2 }, device_limit: 10, devicetype_limit: 10 });
    // successful logins do not drain the bucket
    const owner = await loggedIn(gw, { name: 'alice' });
    for (let i = 0; i < 3; i++) await loggedIn(gw, { name: 'alice' });
    const c = await connect(gw);
    expect(await c.login({ name: 'alice', pwd: 'wrong' })).toMatchObject({ error: { code: 4105 } });
    expect(await c.login({ name: 'alice', pwd: 'wrong' })).toMatchObject({ error: { code: 4105 } });
    expect(await c.login({ name: 'alice', pwd: PWD })).toMatchObject({ ok: false, error: { code: 5105 } });
    expect(await (await fromOtherIp(gw)).login({ name: 'alice', pwd: PWD })).toMatchObject({ ok: false, error: { code: 5105 } });
    expect(await c.login({ name: 'alice', pwd: PWD, domain: 'acme' })).toMatchObject({ ok: true });
    // the owner's resume token still works while the attacker holds the bucket empty
    await owner.close();
    expect(await (await connect(gw)).login({ name: 'alice', token: owner.lastLogin!.token! })).toMatchObject({ ok: true });
  });
});

describe('per-account guesses at once', () => {
  it('wrong passwords sent at once cannot outrun the account bucket: only `burst` of them are checked', async () => {
    const gw = await startGateway({ login_rate_account: { per_second: 0.001, burst: 2 } });
    const clients = await Promise.all(Array.from({ length: 30 }, () => connect(gw)));
    const acks = await Promise.all(clients.map((c) => c.login({ name: 'bob', pwd: 'guess' })));
    const codes = acks.map((a) => a.error?.code);
    expect(codes.filter((c) => c === 4105)).toHaveLength(2);
    expect(codes.filter((c) => c === 5105)).toHaveLength(28);
  });
});

describe('slow consumers', () => {
  it('a client that stops reading is dropped once its send buffer passes max_buffered (close 4006), and the gateway keeps serving', async () => {
    const gw = await startGateway({ max_buffered: 16 * 1024, device_limit: 20, devicetype_limit: 20 });
    const resource = 'r'.repeat(128);
    await Promise.all(Array.from({ length: 8 }, () => loggedIn(gw, { name: 'carol', resource })));
    const slow = await loggedIn(gw, { name: 'carol', resource });
    (slow.ws as unknown as { _socket: Socket })._socket.pause();
    const request = encodeFrame('clientIn', ClientType.SESSIONS, {});
    // each reply is ~2 KB: keep asking until the server gives up on the socket (bounded: 200k requests ≈ 400 MB unsent)
    for (let i = 0; i < 200 && (await closesWith(gw, 4006)) === 0; i++) {
      for (let j = 0; j < 1000; j++) slow.ws.send(request);
      await new Promise((r) => setTimeout(r, 20));
    }
    expect(await closesWith(gw, 4006)).toBe(1);
    await waitFor(() => gw.clients.connections.size === 8, 10_000, 'the slow socket to be released');
    expect(gw.service.local.size).toBe(8);
    expect(await (await connect(gw)).login({ name: 'alice', pwd: PWD })).toMatchObject({ ok: true });
  });
});

describe('origins', () => {
  it('with origins set, a browser Origin outside the list gets HTTP 403; listed origins and native clients (no Origin) get in', async () => {
    const gw = await startGateway({ origins: ['https://app.example'] });
    await expect(connect(gw, { ws: { origin: 'https://evil.example' } })).rejects.toThrow('HTTP 403');
    await expect(connect(gw, { ws: { origin: 'null' } })).rejects.toThrow('HTTP 403');
    expect(await (await connect(gw, { ws: { origin: 'https://app.example' } })).login({ name: 'alice', pwd: PWD })).toMatchObject({ ok: true });
    expect(await (await connect(gw)).login({ name: 'bob', pwd: PWD })).toMatchObject({ ok: true });
  });

  it('without origins, any Origin is accepted', async () => {
    const gw = await startGateway();
    expect(await (await connect(gw, { ws: { origin: 'https://anything.example' } })).login({ name: 'alice', pwd: PWD })).toMatchObject({ ok: true });
  });
});

describe('other accounts are out of reach', () => {
  it('KICK of foreign ssids answers t=0 and the foreign sessions stay; AUTH kick of foreign ssids does nothing', async () => {
    const gw = await startGateway();
    const bob = await loggedIn(gw, { name: 'bob' });
    const acmeBob = await loggedIn(gw, { name: 'bob', domain: 'acme' });
    const targets = [bob.lastLogin!.n2!, acmeBob.lastLogin!.n2!];
    const alice = await loggedIn(gw, { name: 'alice' });
    expect(await alice.kick(targets)).toMatchObject({ ok: true, timType: 31, t: 0 });
    const carol = await connect(gw);
    expect(await carol.login({ name: 'carol', pwd: PWD, kick: targets })).toMatchObject({ ok: true });
    await bob.ping();
    await acmeBob.ping();
    expect((await bob.sessions()).self?.ssid).toBe(targets[0]);
    expect(bob.notices).toEqual([]);
    expect(acmeBob.notices).toEqual([]);
    expect(gw.service.local.size).toBe(4);
  });

  it('a resume token of another account is refused with 4115', async () => {
    const gw = await startGateway();
    const bob = await loggedIn(gw, { name: 'bob' });
    const c = await connect(gw);
    expect(await c.login({ name: 'alice', token: bob.lastLogin!.token! })).toMatchObject({ ok: false, error: { code: 4115 } });
    await bob.ping();
  });
});

describe('admin listener', () => {
  it('binds loopback by default', async () => {
    expect(parseListen(buildConfig({}).admin_listen)).toEqual({ host: '127.0.0.1', port: 20002 });
    const gw = await startGateway({ admin_listen: '127.0.0.1:0' });
    expect((gw.adminListener.server.address() as { address: string }).address).toBe('127.0.0.1');
  });
});
