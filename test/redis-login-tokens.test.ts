/**
 * The list of single-use login tokens (ADMTOKEN, POST /api/v1/token) that the
 * token count reads: each new token drops at most 100 expired entries, so a
 * mass expiry is cleaned over the next calls instead of in one long one, and
 * the count only ever counts live tokens.
 */
import { describe, expect, it } from 'vitest';
import { createLogger } from '../src/logger.js';
import { RedisKeys } from '../src/session/redis-keys.js';
import { onCleanup } from './helpers.js';
import { registryNode } from './support/registry-node.js';
import { RedisServer, redisSuitesEnabled } from './support/redis-server.js';

describe.skipIf(!redisSuitesEnabled())('login token list (one Redis)', () => {
  it('each new login token drops at most 100 expired entries; the count reads only the live ones', async () => {
    const server = await RedisServer.start();
    onCleanup(() => server.stop());
    const keys = new RedisKeys('lt:');
    const node = await registryNode(server.client(), keys, 'gw-lt', 60_000, createLogger('silent', false));
    onCleanup(() => node.close());
    const list = keys.loginTokenList('', 'alice');
    // 250 tokens that expired a minute ago (their keys expired with them; only the list still names them)
    const past = Date.now() - 60_000;
    await node.client.zadd(list, ...Array.from({ length: 250 }, (_, i) => [past, `old${i}`]).flat());
    const sizes: number[] = [];
    for (let i = 0; i < 3; i++) {
      await node.registry.putLoginToken(`new${i}`, { domain: '', name: 'alice', ssid: '', hash: 'h', expires: Date.now() + 60_000 });
      sizes.push(await node.client.zcard(list));
    }
    expect(sizes).toEqual([151, 52, 3]);
    expect((await node.registry.index.counts(Date.now())).tokens).toBe(3);
  });
});
