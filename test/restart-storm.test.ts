/**
 * 2,000 clients of the client library on a gateway process that is shut down
 * gracefully (SIGTERM: every client gets 1001, "reconnect with the resume
 * token") and started again on the same port.
 *
 * Cluster mode, one real redis-server, the same gateway_id both times: the
 * session table and the resume tokens live in Redis, so they outlive the
 * process. The shutdown removes the node's sessions from the table (a clean
 * close: PROTOCOL.md 4.6 keeps the tokens), and the restart with the same
 * gateway_id reaps whatever the old process left under its name before it
 * serves; each resume is then a login under the client's own ssid that obeys
 * the limits. So every client comes back on its ssid, its account within its
 * device_limit (read from the Redis table itself), with its attempts spread by
 * the backoff with full jitter under a bound derived from the backoff settings
 * (ReconnectRecorder.attemptBound), not from this machine's speed. The rate
 * curve (max logins per 100 ms) and the time to 100 % are printed: timings
 * are reported, never asserted.
 *
 * Embedded mode is the other case: the table and the tokens live in the
 * process and die with it, so a resume after the restart answers 4115. The
 * library keeps no password; it stops with `reconnectFailed` (the refusing
 * ACK, 4115) and never retries, and the application logs in again, which the
 * second test does on the same client objects.
 */
import { describe, expect, it } from 'vitest';
import type { BackoffOptions } from '../src/client/backoff.js';
import type { TimClientEvents } from '../src/client/client-types.js';
import { TimClient } from '../src/client/node.js';
import { connect, onCleanup, PWD, tempDir } from './helpers.js';
import { freePort } from './support/free-port.js';
import { GatewayProcess } from './support/gateway-process.js';
import { ReconnectRecorder } from './support/reconnect-recorder.js';
import { redisSuitesEnabled, RedisServer } from './support/redis-server.js';
import { expectPairsBackOnTheirSsids, loginPairs, STORM_DOMAIN, stormConfig, writeStormUsers } from './support/storm-clients.js';

const ACCOUNTS = 1000;
/** Two devices (termtyp 1 and 2) per account, the account's limit. */
const CLIENTS = 2 * ACCOUNTS;
/** The bounds on attempt starts and logins per 100 ms are derived from these (ReconnectRecorder.attemptBound). */
const backoff: BackoffOptions = { baseMs: 4000, maxMs: 16_000 };

/** The next `event` of `c`. */
function next<K extends keyof TimClientEvents>(c: TimClient, event: K): Promise<TimClientEvents[K]> {
  return new Promise((resolve) => c.once(event, resolve));
}

/** tim.json keys for a gateway whose listeners stay on the same two loopback ports across restarts. */
async function fixedPorts(): Promise<{ client_listen: string; admin_listen: string }> {
  return { client_listen: `127.0.0.1:${await freePort()}`, admin_listen: `127.0.0.1:${await freePort()}` };
}

/** Shuts `gw` down with SIGTERM (exit 0 expected) and starts it again from the same folder and config; reports how long each took. */
async function restart(gw: GatewayProcess, config: Record<string, unknown>, dir: string): Promise<{ again: GatewayProcess; shutdownMs: number; startMs: number }> {
  const signalled = Date.now();
  gw.proc.kill('SIGTERM');
  expect(await gw.exited).toEqual({ code: 0, signal: null });
  const exited = Date.now();
  const again = await GatewayProcess.start(config, { dir });
  onCleanup(() => again.stop('SIGKILL'));
  expect(again.clientUrl).toBe(gw.clientUrl);
  return { again, shutdownMs: exited - signalled, startMs: Date.now() - exited };
}

/** A library client that logs in as `name`, kept as a witness that a 4001 or 4002 close is never followed by a reconnect. */
async function witness(url: string, name: string, reconnects: string[]): Promise<{ c: TimClient; ssid: string }> {
  const c = new TimClient(url, { reconnect: backoff });
  onCleanup(async () => c.terminate());
  const ack = await c.login({ name, pwd: PWD, termtyp: 1, resource: 'witness' });
  expect(ack.ok).toBe(true);
  c.on('reconnecting', () => reconnects.push(name));
  return { c, ssid: ack.n2! };
}

describe.skipIf(!redisSuitesEnabled())('reconnect after a cluster gateway restart', () => {
  it(`${CLIENTS} clients of a cluster gateway shut down (1001) and started again on its port resume on their ssids, spread by the backoff jitter`, { timeout: 300_000 }, async () => {
    const redis = await RedisServer.start();
    onCleanup(() => redis.stop());
    const raw = redis.client();
    onCleanup(async () => raw.disconnect());
    const dir = tempDir();
    const names = await writeStormUsers(dir, ACCOUNTS);
    const config = { ...stormConfig, ...(await fixedPorts()), gateway_id: 'gw-restart', redis: { url: redis.url, lease_ttl: 600 } };
    const first = await GatewayProcess.start(config, { dir });
    onCleanup(() => first.stop('SIGKILL'));

    const t0 = Date.now();
    const clients = await loginPairs(first.clientUrl, names, backoff);
    const loggedInMs = Date.now() - t0;

    // witnesses: sessions kicked (4001) or logged out (4002) before the shutdown stay away through it
    const reconnects: string[] = [];
    for (const name of ['u0', 'u1', 'u2']) {
      const w = await witness(first.clientUrl, name, reconnects);
      const closed = next(w.c, 'close');
      const kicker = await connect(first.clientUrl);
      expect(await kicker.login({ name, pwd: PWD, termtyp: 1, kick: [w.ssid] })).toMatchObject({ ok: true });
      expect(await closed).toMatchObject({ code: 4001, reconnect: false });
      await kicker.close();
    }
    for (const name of ['u3', 'u4', 'u5']) {
      const w = await witness(first.clientUrl, name, reconnects);
      const closed = next(w.c, 'close');
      expect(await w.c.logout()).toMatchObject({ ok: true });
      expect(await closed).toMatchObject({ code: 4002, reconnect: false });
    }

    const recorder = new ReconnectRecorder(clients.map(({ c }) => c), backoff);
    const closes = new Map<string, number>();
    for (const { c } of clients) c.on('close', (e) => closes.set(`${e.code} reconnect=${e.reconnect}`, (closes.get(`${e.code} reconnect=${e.reconnect}`) ?? 0) + 1));
    const down = Date.now();
    const { again: second, shutdownMs, startMs } = await restart(first, config, dir);
    const restartedMs = Date.now() - down;
    await recorder.allBack(240_000);
    const allBackMs = Math.max(...recorder.loginTimes) - down;

    expect(recorder.failures).toEqual([]);
    expect(Object.fromEntries(closes)).toEqual({ '1001 reconnect=true': CLIENTS }); // one close each, the shutdown's, then only attempts
    console.info(
      `restart storm: ${CLIENTS} clients logged in in ${loggedInMs} ms; SIGTERM, exit ${shutdownMs} ms later, listening again ${startMs} ms after that; ` +
        `100 % back ${allBackMs} ms after the SIGTERM (${allBackMs - restartedMs} ms after the restart); ${recorder.report(down)}`,
    );
    expect(recorder.maxAttemptsPerWindow()).toBeLessThanOrEqual(recorder.attemptBound());
    // logins per window are reported, not asserted: after a restart they bunch as the cold process works through
    // what queued while it started (238 per 100 ms seen at a load of 11), a timing of the machine; a herd shows in
    // the attempt starts above, whatever the machine
    await expectPairsBackOnTheirSsids(clients);

    // the shared table itself: each storm account holds its two ssids on the restarted node, no account more, the witnesses none
    const table = new Map<string, string[]>();
    for (const key of await raw.keys('tim:*:s')) {
      const records = Object.entries(await raw.hgetall(key));
      for (const [, rec] of records) expect(JSON.parse(rec)).toMatchObject({ gateway: 'gw-restart', domain: STORM_DOMAIN });
      table.set(key, records.map(([ssid]) => ssid).sort());
    }
    expect(table.size).toBe(ACCOUNTS);
    const expected = new Set(names.map((_, i) => [clients[2 * i]!.ssid, clients[2 * i + 1]!.ssid].sort().join(' ')));
    expect(new Set([...table.values()].map((ssids) => ssids.join(' ')))).toEqual(expected);
    expect(reconnects).toEqual([]);
    expect(second.running).toBe(true);
  });

});

describe('reconnect after an embedded gateway restart', () => {
  it('in embedded mode the tokens die with the process: each resume gets 4115, the library stops with reconnectFailed, and a password login on the same client gets a new ssid', { timeout: 120_000 }, async () => {
    const dir = tempDir();
    const names = await writeStormUsers(dir, 10);
    const config = { ...stormConfig, ...(await fixedPorts()) };
    const first = await GatewayProcess.start(config, { dir });
    onCleanup(() => first.stop('SIGKILL'));
    const fast = { baseMs: 200, maxMs: 1000 };
    const clients = await loginPairs(first.clientUrl, names, fast);
    const attempts: number[] = [];
    const failed = clients.map(({ c }) => {
      c.on('reconnecting', (r) => attempts.push(r.attempt));
      return next(c, 'reconnectFailed');
    });

    await restart(first, config, dir);
    for (const f of await Promise.all(failed)) expect(f).toMatchObject({ reason: 'refused (4115)', ack: { ok: false, error: { code: 4115 } } });
    const attemptsAtFailure = attempts.length;

    const again = await Promise.all(clients.map(({ c }, i) => c.login({ name: names[i >> 1], domain: STORM_DOMAIN, termtyp: (i % 2) + 1, resource: `dev${(i % 2) + 1}`, pwd: PWD })));
    for (const [i, ack] of again.entries()) {
      expect(ack).toMatchObject({ ok: true });
      expect(ack.n2).not.toBe(clients[i]!.ssid);
    }
    const lists = await Promise.all(clients.map(({ c }) => c.sessions()));
    for (const [i, list] of lists.entries()) expect(list.online.map((s) => s.ssid)).toEqual([again[i ^ 1]!.n2]);
    expect(attempts.length).toBe(attemptsAtFailure); // nothing was retried after the refusal
  });
});
