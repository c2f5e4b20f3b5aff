/**
 * 2,000 clients of the client library on a gateway process, all their
 * connections cut at once (a TCP proxy in front of the gateway drops them
 * without a close frame, as a network failure or a load balancer restart
 * would): every client comes back on its own ssid with its resume token, no
 * account is over its limit, and the reconnect backoff with full jitter
 * spreads the comeback under a bound derived from the backoff settings. The
 * rate curve is printed (timings are reported, never asserted).
 */
import { describe, expect, it } from 'vitest';
import { GatewayProcess } from './support/gateway-process.js';
import { ReconnectRecorder } from './support/reconnect-recorder.js';
import { expectPairsBackOnTheirSsids, loginPairs, stormConfig, writeStormUsers } from './support/storm-clients.js';
import { TcpProxy } from './support/tcp-proxy.js';
import { onCleanup, tempDir } from './helpers.js';

const ACCOUNTS = 1000;
/** Two devices (termtyp 1 and 2) per account, the account's limit. */
const CLIENTS = 2 * ACCOUNTS;
/** The bound on attempt starts per 100 ms is derived from these (ReconnectRecorder.attemptBound); logins per 100 ms are printed only. */
const backoff = { baseMs: 4000, maxMs: 16_000 };

describe('reconnect storm', () => {
  it(`${CLIENTS} clients whose connections are cut resume, each on its ssid, spread by the backoff jitter`, { timeout: 180_000 }, async () => {
    const dir = tempDir();
    const names = await writeStormUsers(dir, ACCOUNTS);
    const gw = await GatewayProcess.start(stormConfig, { dir });
    onCleanup(() => gw.stop('SIGKILL'));
    const proxy = await TcpProxy.start(Number(new URL(gw.clientUrl).port));
    onCleanup(() => proxy.close());
    const url = `ws://127.0.0.1:${proxy.port}/tim`;

    const t0 = Date.now();
    const clients = await loginPairs(url, names, backoff);

    const recorder = new ReconnectRecorder(clients.map(({ c }) => c), backoff);
    const up = Date.now();
    expect(proxy.dropAll()).toBe(CLIENTS);
    await recorder.allBack(120_000);

    expect(recorder.failures).toEqual([]);
    console.info(`reconnect storm: ${CLIENTS} clients logged in in ${up - t0} ms; connections cut; all back ${Math.max(...recorder.loginTimes) - up} ms later; ${recorder.report(up)}`);
    expect(recorder.maxAttemptsPerWindow()).toBeLessThanOrEqual(recorder.attemptBound());
    await expectPairsBackOnTheirSsids(clients);
  });
});
