/**
 * A LOGOUT or KICK the gateway has received is carried out whatever happens
 * to the socket afterwards (issue 10 defect 9): here the client pipelines
 * SESSIONS (a request that waits on the table) then LOGOUT or KICK, and drops
 * its TCP connection at once, in embedded and in cluster mode.
 */
import { describe, expect, it } from 'vitest';
import { encodeFrame } from '../src/protocol/codec.js';
import { ClientType } from '../src/protocol/type-codes.js';
import type { Gateway } from '../src/gateway.js';
import { loggedIn, onCleanup, startGateway, waitFor } from './helpers.js';
import { redisSuitesEnabled, RedisServer } from './support/redis-server.js';

/** Rounds per test: the race between the close and the queued frame is lost in some rounds only. */
const ROUNDS = 8;

const modes: { name: string; enabled: boolean; start: () => Promise<Gateway> }[] = [
  { name: 'embedded', enabled: true, start: () => startGateway({ device_limit: 100 }) },
  {
    name: 'cluster',
    enabled: redisSuitesEnabled(),
    start: async () => {
      const redis = await RedisServer.start();
      onCleanup(() => redis.stop());
      return startGateway({ device_limit: 100, redis: { url: redis.url } });
    },
  },
];

for (const mode of modes) {
  describe.skipIf(!mode.enabled)(`requests received before a dropped connection (${mode.name})`, () => {
    it('SESSIONS, LOGOUT, then a dropped connection: the session is logged out and its resume token dies', async () => {
      const gw = await mode.start();
      for (let i = 0; i < ROUNDS; i++) {
        const c = await loggedIn(gw, { name: 'alice' });
        const ssid = c.lastLogin!.n2!;
        c.ws.send(encodeFrame('clientIn', ClientType.SESSIONS, {}));
        c.ws.send(encodeFrame('clientIn', ClientType.LOGOUT, {}));
        c.ws.terminate();
        await waitFor(async () => (await gw.store.registry.getResumeToken('', 'alice', ssid, Date.now())) === null, 5000, `round ${i}: the LOGOUT to revoke the resume token`);
      }
    });

    it('SESSIONS, KICK of another own session, then a dropped connection: the other session is kicked (4001)', async () => {
      const gw = await mode.start();
      for (let i = 0; i < ROUNDS; i++) {
        const victim = await loggedIn(gw, { name: 'bob' });
        const c = await loggedIn(gw, { name: 'bob' });
        c.ws.send(encodeFrame('clientIn', ClientType.SESSIONS, {}));
        c.ws.send(encodeFrame('clientIn', ClientType.KICK, { ssid: [victim.lastLogin!.n2!] }));
        c.ws.terminate();
        const closed = await Promise.race([victim.closed, new Promise<null>((r) => setTimeout(() => r(null), 5000))]);
        expect(closed?.code, `round ${i}: the KICK to close the other session`).toBe(4001);
      }
    });
  });
}
