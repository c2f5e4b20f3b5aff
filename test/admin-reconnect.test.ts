/**
 * The admin client's automatic reconnect: after a gateway process restart on
 * the same port (1001) or a TCP cut (1006) it connects again with backoff,
 * authenticates with the stored credentials and subscribes again, so presence
 * events of the new process reach it; never after close(); and it stops for
 * good with `reconnectFailed` when ADMAUTH is refused (4105).
 */
import { describe, expect, it } from 'vitest';
import { TimAdminClient } from '../src/client/admin-client.js';
import type { AdminClientEvents, AdminClientOptions } from '../src/client/admin-types.js';
import type { Gateway } from '../src/gateway.js';
import { EventKind, type AdmEvent } from '../src/protocol/types.js';
import { ADMIN, adminGateway, authCode } from './admin-helpers.js';
import { connect, onCleanup, PWD, pwdHash, tempDir, writeUsers } from './helpers.js';
import { cheapHash } from './support/cheap-hash.js';
import { freePort } from './support/free-port.js';
import { GatewayProcess } from './support/gateway-process.js';
import { TcpProxy } from './support/tcp-proxy.js';

/** Fast reconnects: the test is about what happens, not about the delays. */
const fast = { baseMs: 20, maxMs: 200 };

/** The next `event` of `a`. */
function next<K extends keyof AdminClientEvents>(a: TimAdminClient, event: K): Promise<AdminClientEvents[K]> {
  return new Promise((resolve) => a.once(event, resolve));
}

/** The next presence event of `a` about `name`. */
function eventOf(a: TimAdminClient, name: string): Promise<AdmEvent> {
  return new Promise((resolve) => {
    const on = (e: AdmEvent): void => {
      if (e.name !== name) return;
      a.off('event', on);
      resolve(e);
    };
    a.on('event', on);
  });
}

/** An admin client with fast reconnects; terminated after the test. */
async function admin(url: string, options: Pick<Partial<AdminClientOptions>, 'pwd' | 'reconnect'> = {}): Promise<TimAdminClient> {
  const a = await TimAdminClient.connect(url, { name: ADMIN, pwd: options.pwd ?? PWD, reconnect: options.reconnect ?? fast });
  onCleanup(async () => a.terminate());
  return a;
}

/** A gateway process on fixed loopback ports (so a restart comes back on them) in `dir`, with ADMIN's password hash `hash`. */
async function gatewayProcess(dir: string, ports: Record<string, string>, id: string, hash: string): Promise<GatewayProcess> {
  const gw = await GatewayProcess.start({ ...ports, gateway_id: id, auth_timeout: 60, admins: [{ name: ADMIN, pwd: hash }] }, { dir });
  onCleanup(() => gw.stop('SIGKILL'));
  return gw;
}

/** Stops `gw` gracefully (every admin socket gets 1001). */
async function shutDown(gw: GatewayProcess): Promise<void> {
  expect(await gw.stop('SIGTERM')).toEqual({ code: 0, signal: null });
}

/** Two loopback listen addresses that stay the same across restarts. */
async function fixedPorts(): Promise<Record<string, string>> {
  return { client_listen: `127.0.0.1:${await freePort()}`, admin_listen: `127.0.0.1:${await freePort()}` };
}

/** An admin client of `gw` through a TCP proxy whose connections the test can cut. */
async function behindProxy(gw: Gateway, reconnect: AdminClientOptions['reconnect'] = fast): Promise<{ a: TimAdminClient; proxy: TcpProxy }> {
  const proxy = await TcpProxy.start(Number(new URL(gw.adminUrl).port));
  onCleanup(() => proxy.close());
  return { a: await admin(`ws://127.0.0.1:${proxy.port}/admin`, { reconnect }), proxy };
}

describe('admin client reconnect', () => {
  it('survives a gateway process restart on the same port: reconnected on the new node, subscribed again, gets its presence events', { timeout: 60_000 }, async () => {
    const dir = tempDir();
    await writeUsers(dir);
    const ports = await fixedPorts();
    const hash = await pwdHash();
    const first = await gatewayProcess(dir, ports, 'node-a', hash);
    const a = await admin(first.adminUrl);
    expect(a.gateway).toBe('node-a');
    await a.subscribe('acme');

    const closed = next(a, 'close');
    const reconnecting = next(a, 'reconnecting');
    await shutDown(first);
    expect(await closed).toMatchObject({ code: 1001, reconnect: true });
    const attempt = await reconnecting;
    expect(attempt.attempt).toBe(1);
    expect(attempt.delayMs).toBeGreaterThanOrEqual(0);
    expect(attempt.delayMs).toBeLessThan(fast.baseMs);
    await expect(a.stats()).rejects.toThrow('reconnecting'); // refused at once while no gateway answers

    const reconnected = next(a, 'reconnected');
    const second = await gatewayProcess(dir, ports, 'node-b', hash);
    expect(second.adminUrl).toBe(first.adminUrl);
    expect(await reconnected).toEqual({ gateway: 'node-b' });
    expect(a.gateway).toBe('node-b');

    const online = eventOf(a, 'alice');
    const alice = await connect(second.clientUrl);
    expect((await alice.login({ domain: 'acme', name: 'alice', pwd: PWD, termtyp: 1 })).ok).toBe(true);
    expect(await online).toMatchObject({ kind: EventKind.ONLINE, domain: 'acme', name: 'alice' });
    expect((await a.stats()).sessions).toBe(1);
  });

  it('a TCP cut (1006) is followed by a reconnect and a new subscription', async () => {
    const gw = await adminGateway();
    const { a, proxy } = await behindProxy(gw);
    await a.subscribe('');
    const closed = next(a, 'close');
    const reconnected = next(a, 'reconnected');
    expect(proxy.dropAll()).toBe(1);
    expect(await closed).toMatchObject({ code: 1006, reconnect: true });
    expect(await reconnected).toEqual({ gateway: gw.id });
    expect(proxy.connections).toBe(1);
    const online = eventOf(a, 'bob');
    const bob = await connect(gw);
    expect((await bob.login({ name: 'bob', pwd: PWD, termtyp: 1 })).ok).toBe(true);
    expect(await online).toMatchObject({ kind: EventKind.ONLINE, name: 'bob' });
  });

  it('keeps retrying with the backoff while ADMAUTH answers 5105 (throttled), and gets in once the throttle lets it', async () => {
    const gw = await adminGateway({ admin_auth_failures: { per_second: 0.5, burst: 1 } });
    const { a, proxy } = await behindProxy(gw, { baseMs: 50, maxMs: 100 });
    await a.subscribe('');
    const attempts: number[] = [];
    const failed: unknown[] = [];
    a.on('reconnecting', (r) => attempts.push(r.attempt));
    a.on('reconnectFailed', (f) => failed.push(f));
    expect(await authCode(gw, 'wrong')).toBe(4105); // empties 127.0.0.1's bucket: the next ADMAUTH from here gets 5105 for about 2 s
    const reconnected = next(a, 'reconnected');
    const gaveUp = next(a, 'reconnectFailed');
    proxy.dropAll();
    expect(await Promise.race([reconnected, gaveUp])).toEqual({ gateway: gw.id });
    expect(failed).toEqual([]);
    expect(attempts.length).toBeGreaterThanOrEqual(2); // the first attempt was refused with 5105 and retried
    expect(attempts).toEqual(attempts.map((_, i) => i + 1));
    const online = eventOf(a, 'carol');
    const carol = await connect(gw);
    expect((await carol.login({ name: 'carol', pwd: PWD, termtyp: 1 })).ok).toBe(true);
    expect(await online).toMatchObject({ kind: EventKind.ONLINE, name: 'carol' });
  });

  it('never reconnects after close() or terminate(); reconnect: false closes for good', async () => {
    const gw = await adminGateway();
    const instant = { baseMs: 1, maxMs: 1 };
    const { a: closedByUs, proxy } = await behindProxy(gw, instant);
    const { a: terminated } = await behindProxy(gw, instant);
    const off = await admin(`ws://127.0.0.1:${proxy.port}/admin`, { reconnect: false });
    const attempts: string[] = [];
    for (const [label, c] of [['close', closedByUs], ['terminate', terminated], ['off', off]] as const) c.on('reconnecting', () => attempts.push(label));

    const closeEvent = next(closedByUs, 'close');
    expect((await closedByUs.close()).code).toBe(1000);
    expect(await closeEvent).toMatchObject({ code: 1000, reconnect: false });
    const terminateEvent = next(terminated, 'close');
    terminated.terminate();
    expect(await terminateEvent).toMatchObject({ code: 1006, reconnect: false });
    const offEvent = next(off, 'close');
    expect(proxy.dropAll()).toBe(1);
    expect(await offEvent).toMatchObject({ code: 1006, reconnect: false });
    await expect(closedByUs.ping()).rejects.toThrow('admin socket closed');

    // close() while a reconnect is scheduled cancels it
    const { a: waiting, proxy: waitingProxy } = await behindProxy(gw, instant);
    const scheduled = new Promise<void>((resolve) => waiting.once('reconnecting', () => void waiting.close().then(() => resolve())));
    let reconnectedAfterClose = false;
    waiting.on('reconnected', () => (reconnectedAfterClose = true));
    waitingProxy.dropAll();
    await scheduled;

    // a witness with the same 1 ms backoff, cut and reconnected: the others had every chance to come back meanwhile
    const { a: witness, proxy: witnessProxy } = await behindProxy(gw, instant);
    const back = next(witness, 'reconnected');
    witnessProxy.dropAll();
    await back;
    await expect(waiting.ping()).rejects.toThrow('admin socket closed');
    expect(attempts).toEqual([]);
    expect(proxy.connections).toBe(0);
    expect(waitingProxy.connections).toBe(0);
    expect(reconnectedAfterClose).toBe(false);
  });

  it('stops with reconnectFailed (4105) when the restarted gateway refuses the password, and tries no more', { timeout: 60_000 }, async () => {
    const dir = tempDir();
    await writeUsers(dir);
    const ports = await fixedPorts();
    const first = await gatewayProcess(dir, ports, 'node-a', await pwdHash());
    const a = await admin(first.adminUrl);
    await a.subscribe('');
    let attempts = 0;
    a.on('reconnecting', () => attempts++);
    const closed = next(a, 'close');
    await shutDown(first);
    expect(await closed).toMatchObject({ code: 1001, reconnect: true });

    const failed = next(a, 'reconnectFailed');
    const finalClose = next(a, 'close');
    const second = await gatewayProcess(dir, ports, 'node-b', await cheapHash('a new operator password'));
    expect(await failed).toMatchObject({ code: 4105 });
    expect(await finalClose).toMatchObject({ reconnect: false });
    const attemptsAtFailure = attempts;
    expect(attemptsAtFailure).toBeGreaterThanOrEqual(1);

    // the right password still works on the new process, and the refused client never tried again meanwhile
    const check = await admin(second.adminUrl, { pwd: 'a new operator password' });
    await check.ping();
    expect((await check.stats()).gateways).toBe(1);
    expect(attempts).toBe(attemptsAtFailure);
    await expect(a.ping()).rejects.toThrow('admin socket closed');
  });
});
