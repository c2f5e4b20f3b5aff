/**
 * Admission on both listeners (issue 10 defects 5 and 6): connections that
 * never finish their HTTP request are timed and counted per address, and
 * unauthenticated admin sockets have a per-address pool of their own, so one
 * address can lock out neither clients nor operators.
 */
import { connect as tcpConnect, type Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import { TimAdminClient } from '../src/client/admin-client.js';
import type { Gateway } from '../src/gateway.js';
import { AdminType } from '../src/protocol/type-codes.js';
import { ADMIN, adminGateway } from './admin-helpers.js';
import { loggedIn, onCleanup, PWD } from './helpers.js';

/** A connection holding a half-sent request: `closed` resolves with what it received; `finish` completes the request and resolves with the HTTP status. */
interface HalfRequest {
  readonly socket: Socket;
  readonly closed: Promise<string>;
  finish(): Promise<number>;
}

/** A TCP connection from `localAddress` that starts an upgrade request of `path` and does not finish its headers. */
async function halfRequest(url: string, path: string, localAddress: string): Promise<HalfRequest> {
  const { hostname, port } = new URL(url);
  const socket = tcpConnect({ host: hostname, port: Number(port), localAddress });
  onCleanup(async () => socket.destroy());
  let received = '';
  socket.on('data', (d: Buffer) => (received += d.toString('latin1')));
  const closed = new Promise<string>((resolve) => socket.on('close', () => resolve(received)));
  socket.on('error', () => {});
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  socket.write(`GET ${path} HTTP/1.1\r\nHost: gw\r\nUpgrade: websocket\r\n`);
  const finish = (): Promise<number> => {
    const status = new Promise<number>((resolve) => {
      socket.once('data', (d: Buffer) => resolve(Number(/^HTTP\/1\.1 (\d{3})/.exec(d.toString('latin1'))?.[1] ?? 0)));
      socket.once('close', () => resolve(0));
    });
    socket.write('Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n');
    return status;
  };
  return { socket, closed, finish };
}

/** The value of one sample of a metric on the gateway's /metrics, 0 when absent. */
async function metric(gw: Gateway, sample: string): Promise<number> {
  const text = await (await fetch(`${gw.adminHttpUrl}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`${sample} `));
  return line ? Number(line.slice(sample.length + 1)) : 0;
}

/** An admin socket from `localAddress` that has not authenticated. */
async function unauthAdmin(gw: Gateway, localAddress: string): Promise<TimAdminClient> {
  const a = await TimAdminClient.open(gw.adminUrl, { ws: { localAddress } });
  onCleanup(async () => a.terminate());
  return a;
}

describe('unfinished HTTP requests', () => {
  it.each([
    ['client', '/tim'],
    ['admin', '/admin'],
  ] as const)('one address holds at most pending_per_ip on the %s listener; others still connect', async (listener, path) => {
    const gw = await adminGateway({ pending_per_ip: 3, header_timeout: 60 });
    const url = listener === 'client' ? gw.clientUrl : gw.adminUrl;
    const held = [];
    for (let i = 0; i < 3; i++) held.push(await halfRequest(url, path, '127.0.0.2'));
    const over = await halfRequest(url, path, '127.0.0.2');
    expect(await over.closed).toBe(''); // closed at once, without a word
    expect(await metric(gw, `tim_refused_connections_total{listener="${listener}",reason="over_limit"}`)).toBe(1);
    // another address is not affected, on either listener, WebSocket or plain HTTP
    const c = await loggedIn(gw, { name: 'alice' });
    await c.ping();
    const a = await TimAdminClient.connect(gw.adminUrl, { name: ADMIN, pwd: PWD });
    onCleanup(async () => a.terminate());
    expect((await fetch(`${gw.adminHttpUrl}/healthz`)).status).toBe(200);
    for (const h of held) expect(h.socket.destroyed).toBe(false);
    // a held one that finishes its request leaves the count: the address may start another
    expect(await held[0]!.finish()).toBe(101);
    const again = await halfRequest(url, path, '127.0.0.2');
    expect(await again.finish()).toBe(101);
  });

  it('a connection that has not sent its request headers within header_timeout is closed', async () => {
    const gw = await adminGateway({ header_timeout: 0.2 });
    const slow = await halfRequest(gw.clientUrl, '/tim', '127.0.0.2');
    const slowAdmin = await halfRequest(gw.adminUrl, '/admin', '127.0.0.2');
    expect(await slow.closed).toBe('');
    expect(await slowAdmin.closed).toBe('');
    expect(await metric(gw, 'tim_refused_connections_total{listener="client",reason="header_timeout"}')).toBe(1);
    expect(await metric(gw, 'tim_refused_connections_total{listener="admin",reason="header_timeout"}')).toBe(1);
    // an upgraded socket is not timed: it lives on past header_timeout
    const c = await loggedIn(gw, { name: 'alice' });
    const other = await halfRequest(gw.clientUrl, '/tim', '127.0.0.3');
    await other.closed;
    await c.ping();
  });
});

describe('unauthenticated admin sockets', () => {
  it('one address holds at most admin_unauth_per_ip of them (HTTP 429 beyond); operators from elsewhere get in', async () => {
    const gw = await adminGateway({ admin_unauth_per_ip: 2 });
    const first = await unauthAdmin(gw, '127.0.0.2');
    await unauthAdmin(gw, '127.0.0.2');
    await expect(unauthAdmin(gw, '127.0.0.2')).rejects.toThrow('HTTP 429');
    const op = await TimAdminClient.connect(gw.adminUrl, { name: ADMIN, pwd: PWD });
    onCleanup(async () => op.terminate());
    await op.ping();
    // a socket that authenticates leaves the unauthenticated pool: its address may open another
    await first.request(AdminType.AUTH, { name: ADMIN, pwd: PWD });
    const third = await unauthAdmin(gw, '127.0.0.2');
    await third.request(AdminType.AUTH, { name: ADMIN, pwd: PWD });
  });
});
