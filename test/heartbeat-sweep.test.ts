/**
 * The heartbeat sweep over real sockets: pings go out a slice at a time, but
 * every logged-in socket is pinged again and again, and a dead peer anywhere
 * in the set (one that stops answering pings) is still closed with 4004
 * while the live ones around it stay.
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
