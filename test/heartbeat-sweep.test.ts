/**
 * The heartbeat sweep over real sockets: pings go out a slice at a time, but
 * every logged-in socket is pinged again and again, and a dead peer anywhere
 * in the set (one that stops answering pings) is still closed with 4004
 * while the live ones around it stay. Sockets that arrive during a turn are
 * pinged at the sweep's pace, not all at once when the turn ends.
 */
import { describe, expect, it } from 'vitest';
import type { TimClient } from '../src/client/node.js';
import { connect, PWD, startGateway, waitFor } from './helpers.js';

const fast = { login_rate_account: { per_second: 1000, burst: 1000 }, login_rate_ip: { per_second: 1000, burst: 1000 } };

describe('heartbeat sweep', () => {
  it('pings every live socket repeatedly and closes each dead peer among them with 4004, wherever it sits in the sweep', async () => {
    const gw = await startGateway({ ...fast, heartbeat_interval: 0.5, device_limit: 10, devicetype_limit: 10 });
    const live: { client: TimClient; pings: number }[] = [];
    const dead: TimClient[] = [];
    const deadNames = ['alice', 'bob', 'carol'];
    for (const domain of ['', 'acme', 'other']) {
      for (let i = 0; i < 10; i++) {
        const entry = { client: await connect(gw), pings: 0 };
        entry.client.ws.on('ping', () => entry.pings++);
        expect(await entry.client.login({ domain, name: `u${i}`, pwd: PWD })).toMatchObject({ ok: true });
        live.push(entry);
      }
      // a dead peer after every ten live ones, logged in while the sweep is under way
      const d = await connect(gw, { autoPong: false });
      expect(await d.login({ domain, name: deadNames[dead.length]!, pwd: PWD })).toMatchObject({ ok: true });
      dead.push(d);
    }
    for (const d of dead) expect(await d.closed).toMatchObject({ code: 4004 });
    await waitFor(() => live.every((l) => l.pings >= 2), 30_000, 'two pings on every live socket');
    for (const l of live) {
      await l.client.ping();
      expect(l.client.ws.readyState).toBe(l.client.ws.OPEN);
    }
    // the dead peers' places are free again
    expect(await (await connect(gw)).login({ name: 'alice', pwd: PWD })).toMatchObject({ ok: true });
  });
});

describe('heartbeat sweep pace', () => {
  it('300 sockets logged in at once are pinged a slice per tick (10 of them per 100 ms tick at a 3 s interval), not in one burst at the end of the turn they arrived in', async () => {
    // 300 logins at once from one address: the per-address caps are not what this test is about
    const caps = { password_checks: { concurrent: 4, queued: 1000, per_ip: 1000 }, unauth_per_ip: 1000, pending_per_ip: 1000 };
    const gw = await startGateway({ ...fast, ...caps, heartbeat_interval: 3, device_limit: 10, devicetype_limit: 10 });
    const pings: number[] = [];
    const accounts = ['', 'acme', 'other'].flatMap((domain) => Array.from({ length: 10 }, (_, i) => ({ domain, name: `u${i}` })));
    await Promise.all(
      accounts.flatMap((a) =>
        Array.from({ length: 10 }, async () => {
          const c = await connect(gw);
          c.ws.on('ping', () => pings.push(performance.now()));
          expect(await c.login({ ...a, pwd: PWD })).toMatchObject({ ok: true });
        }),
      ),
    );
    // two turns' worth of pings: every socket pinged at least once after they all arrived
    const after = pings.length;
    await waitFor(() => pings.length >= after + 300, 30_000, 'a full turn of pings');
    // the most pings received within any 30 ms: one tick's slice is at most ceil(300 / 30) = 10; a burst would be hundreds
    pings.sort((x, y) => x - y);
    let most = 0;
    for (let i = 0, j = 0; i < pings.length; i++) {
      while (pings[i]! - pings[j]! > 30) j++;
      most = Math.max(most, i - j + 1);
    }
    expect(most).toBeLessThanOrEqual(30);
  });
});
