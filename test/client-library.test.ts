/**
 * The client library (src/client/) against real gateways: typed events,
 * text mode, and the automatic reconnect with the resume token (same ssid)
 * after a dropped socket, never after a kick or a logout.
 */
import { describe, expect, it } from 'vitest';
import { backoffCeiling, backoffDelay, defaultBackoff } from '../src/client/backoff.js';
import type { TimClientEvents } from '../src/client/client-types.js';
import { TimClient } from '../src/client/node.js';
import { CloseCode } from '../src/errors.js';
import type { Gateway } from '../src/gateway.js';
import { NoticeKind } from '../src/protocol/types.js';
import { heldSession } from '../src/session/login-state.js';
import { onCleanup, PWD, startGateway } from './helpers.js';

/** A library client with fast reconnects, closed after the test. */
function client(gw: Gateway, options: ConstructorParameters<typeof TimClient>[1] = {}): TimClient {
  const c = new TimClient(gw.clientUrl, { reconnect: { baseMs: 20, maxMs: 200 }, ...options });
  onCleanup(async () => c.terminate());
  return c;
}

/** The next `event` of `c`. */
function next<K extends keyof TimClientEvents>(c: TimClient, event: K): Promise<TimClientEvents[K]> {
  return new Promise((resolve) => c.once(event, resolve));
}

/** The server side of a logged-in client, by ssid. */
function serverSide(gw: Gateway, ssid: string) {
  const conn = [...gw.clients.connections].find((c) => heldSession(c.login)?.ssid === ssid);
  if (!conn) throw new Error(`no server socket holds ${ssid}`);
  return conn;
}

describe('client library', () => {
  it('full-jitter backoff stays within its doubling ceiling', () => {
    expect([0, 1, 2, 3, 6, 7, 40].map((a) => backoffCeiling(a, defaultBackoff))).toEqual([500, 1000, 2000, 4000, 30_000, 30_000, 30_000]);
    for (let a = 0; a < 10; a++) {
      expect(backoffDelay(a, defaultBackoff, () => 0)).toBe(0);
      expect(backoffDelay(a, defaultBackoff, () => 0.999999)).toBeLessThan(backoffCeiling(a, defaultBackoff));
    }
  });

  it('a socket closed by the server (heartbeat lost, shutdown) is resumed with the resume token: same ssid, new token', async () => {
    const gw = await startGateway();
    const c = client(gw);
    const first = await c.login({ name: 'alice', pwd: PWD, resource: 'web', termtyp: 1 });
    expect(first.ok).toBe(true);
    for (const code of [CloseCode.HEARTBEAT_LOST, CloseCode.SHUTDOWN]) {
      const closed = next(c, 'close');
      const resumed = next(c, 'reconnected');
      serverSide(gw, first.n2!).close(code);
      expect(await closed).toEqual({ code, reason: expect.any(String), reconnect: true });
      const ack = await resumed;
      expect(ack).toMatchObject({ ok: true, n2: first.n2 });
      expect(c.lastLogin).toBe(ack);
    }
    expect((await c.sessions()).self?.ssid).toBe(first.n2);
  });

  it('kicked: the kicked event names the reason and the device, the close says no reconnect, and none happens', async () => {
    const gw = await startGateway();
    const a = client(gw);
    const b = client(gw);
    const aAck = await a.login({ name: 'bob', pwd: PWD, resource: 'phone', termtyp: 1 });
    const events: string[] = [];
    a.on('reconnecting', () => events.push('reconnecting'));
    const notices: number[] = [];
    a.on('notice', (m) => notices.push(m.odType));
    const overEntry = next(b, 'overEntry');
    const logoutRequest = next(a, 'logoutRequest');
    expect((await b.login({ name: 'bob', pwd: PWD, resource: 'laptop', termtyp: 2 })).error?.code).toBe(4111);
    expect((await overEntry).sessions.map((s) => s.ssid)).toEqual([aAck.n2]);
    expect((await logoutRequest).device).toEqual({ resource: 'laptop', termtyp: 2, ip: '127.0.0.1' });

    const kicked = next(a, 'kicked');
    const closed = next(a, 'close');
    expect(await b.login({ name: 'bob', pwd: PWD, resource: 'laptop', termtyp: 2, kick: [aAck.n2!] })).toMatchObject({ ok: true });
    expect(await kicked).toMatchObject({ reason: 'session', reconnect: false, device: { resource: 'laptop', termtyp: 2, ip: '127.0.0.1' } }); // an AUTH kick names the device that logs in
    expect(await closed).toMatchObject({ code: 4001, reconnect: false });
    await b.ping(); // a round trip later, still nothing scheduled
    expect(events).toEqual([]);
    expect(notices).toEqual([NoticeKind.LOGOUT_REQUEST, NoticeKind.KICKED]); // `notice` comes with every system notice, besides the typed event of its kind
    expect([...gw.clients.connections].length).toBe(1);
  });

  it('after LOGOUT (4002) and after close() it does not reconnect', async () => {
    const gw = await startGateway();
    const c = client(gw);
    await c.login({ name: 'carol', pwd: PWD });
    const closed = next(c, 'close');
    expect(await c.logout()).toMatchObject({ ok: true, timType: 20 });
    expect(await closed).toMatchObject({ code: 4002, reconnect: false });

    const d = client(gw);
    await d.login({ name: 'dave', pwd: PWD });
    const dClosed = next(d, 'close');
    await d.close();
    expect(await dClosed).toMatchObject({ code: 1000, reconnect: false });
  });

  it('a server close with 4001, 4002 or 4003 is never resumed, even without the notice or request that usually comes first', async () => {
    const gw = await startGateway();
    for (const [i, code] of [CloseCode.KICKED, CloseCode.LOGGED_OUT, CloseCode.AUTH_TIMEOUT].entries()) {
      const c = client(gw);
      const ack = await c.login({ name: `u${i}`, pwd: PWD });
      const events: string[] = [];
      c.on('reconnecting', () => events.push('reconnecting'));
      const closed = next(c, 'close');
      serverSide(gw, ack.n2!).close(code);
      expect(await closed).toMatchObject({ code, reconnect: false });
      expect(events).toEqual([]); // a resume would have been scheduled with the close event
    }
  });

  it('text mode through the library: login, sessions, kick and notices', async () => {
    const gw = await startGateway({ device_limit: 2, devicetype_limit: 2 });
    const t = client(gw, { format: 'text' });
    const raw: unknown[] = [];
    const ack = await t.login({ name: 'alice', pwd: PWD, resource: 'browser', termtyp: 3 });
    t.ws.on('message', (_d: unknown, isBinary: boolean) => raw.push(isBinary));
    const other = client(gw);
    const otherAck = await other.login({ name: 'alice', pwd: PWD, resource: 'phone', termtyp: 1 });
    expect(await t.sessions()).toMatchObject({ self: { ssid: ack.n2, resource: 'browser' }, online: [{ ssid: otherAck.n2 }] });
    const kicked = next(other, 'kicked');
    expect(await t.kick([otherAck.n2!])).toMatchObject({ ok: true, t: 1 });
    expect((await kicked).device).toMatchObject({ resource: 'browser', termtyp: 3 });
    expect(raw.length).toBeGreaterThan(0);
    expect(raw.every((binary) => binary === false)).toBe(true); // every reply came as a text message
  });
});
