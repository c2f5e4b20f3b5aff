/**
 * Commands sent to Redis in one turn of the event loop leave in one write
 * (src/session/redis-write-batching.ts), on one Redis and on each node of a
 * Redis Cluster; a command sent alone is not held past its turn, and a
 * connection lost while commands wait fails them at once and the client goes
 * on once it is back. What is counted: the writes the client's socket hands
 * to the kernel (its `_write` and `_writev` calls), with the commands in each.
 */
import { once } from 'node:events';
import type { Duplex } from 'node:stream';
import { Redis, type Cluster } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../src/logger.js';
import { closeRedis, connectRedis } from '../src/session/redis-connect.js';
import { onCleanup } from './helpers.js';
import { RedisServer, redisSuitesEnabled } from './support/redis-server.js';
import { RedisClusterServers } from './support/redis-topologies.js';

const log = createLogger('silent', false);

/** Records each write `stream` hands to the kernel: how many commands it carried. */
function writesOf(stream: Duplex): number[] {
  const writes: number[] = [];
  const s = stream as Duplex & { _write: Duplex['_write']; _writev: NonNullable<Duplex['_writev']> };
  const one = s._write.bind(s);
  const many = s._writev.bind(s);
  s._write = (chunk, encoding, cb) => {
    writes.push(1);
    one(chunk, encoding, cb);
  };
  s._writev = (chunks, cb) => {
    writes.push(chunks.length);
    many(chunks, cb);
  };
  return writes;
}

/** The next turn of the event loop (after this turn's immediates). */
const nextTurn = (): Promise<void> => new Promise((r) => setTimeout(r, 0));

describe.skipIf(!redisSuitesEnabled())('commands sent in one turn leave in one write', () => {
  let redis: RedisServer;
  let cluster: RedisClusterServers | undefined;
  beforeAll(async () => {
    redis = await RedisServer.start();
  });
  afterAll(async () => {
    await redis?.stop();
    await cluster?.stop();
  });

  it('one Redis: 10 commands of a turn in one write, answered in order; a command alone is not held past its turn', async () => {
    const client = (await connectRedis({ url: redis.url }, log, 'test')) as Redis;
    onCleanup(async () => closeRedis(client));
    const writes = writesOf(client.stream);
    const replies = Promise.all(Array.from({ length: 10 }, (_, i) => client.set(`wb:k${i}`, String(i))));
    expect(writes).toEqual([]); // waiting for the end of this turn
    await replies;
    expect(writes).toEqual([10]);
    expect(await client.mget(Array.from({ length: 10 }, (_, i) => `wb:k${i}`))).toEqual(Array.from({ length: 10 }, (_, i) => String(i)));

    writes.length = 0;
    const alone = client.get('wb:k3');
    await nextTurn();
    expect(writes).toEqual([1]);
    expect(await alone).toBe('3');
  });

  it('one Redis: a connection lost while commands wait fails them on the close, not at their timeout; the client goes on once it is back', async () => {
    // a command timeout far beyond the bound below: only the close can fail them within it
    const client = (await connectRedis({ url: redis.url, command_timeout: 60 }, log, 'test')) as Redis;
    onCleanup(async () => closeRedis(client));
    await client.set('wb:lost', 'before');
    const waiting = [client.set('wb:lost', 'never'), client.get('wb:lost')];
    client.stream.destroy();
    let timer: NodeJS.Timeout | undefined;
    const bound = new Promise<'not failed within 10 s'>((r) => (timer = setTimeout(() => r('not failed within 10 s'), 10_000)));
    const settled = await Promise.race([Promise.allSettled(waiting), bound]);
    clearTimeout(timer);
    expect(settled === 'not failed within 10 s' ? settled : settled.map((s) => s.status)).toEqual(['rejected', 'rejected']);
    if (client.status !== 'ready') await once(client, 'ready');
    expect(await client.get('wb:lost')).toBe('before');
    const writes = writesOf(client.stream);
    await Promise.all([client.set('wb:lost', 'after'), client.get('wb:lost')]);
    expect(writes).toEqual([2]);
  });

  it('one Redis: a command sent in the turn the client is closed still reaches Redis (the close flushes it)', async () => {
    const client = await connectRedis({ url: redis.url }, log, 'test');
    const probe = new Redis(redis.url);
    onCleanup(async () => probe.disconnect());
    void client.set('wb:last', 'sent').catch(() => {}); // its reply may not be read: the client is closing
    closeRedis(client);
    await once(client, 'end');
    expect(await probe.get('wb:last')).toBe('sent');
  });

  it('Redis Cluster: the commands of a turn for one node leave in one write to that node', async () => {
    cluster = await RedisClusterServers.start(3);
    const client = (await connectRedis({ cluster: cluster.seeds }, log, 'test')) as Cluster;
    onCleanup(async () => closeRedis(client));
    // every node connection is ready (a command to each)
    await Promise.all(client.nodes('master').map((n) => n.ping()));
    const writes = client.nodes('master').map((n) => writesOf(n.stream));
    // one hash tag: one slot, one node
    await Promise.all(Array.from({ length: 8 }, (_, i) => client.set(`{wb}k${i}`, String(i))));
    expect(writes.flat()).toEqual([8]);
    expect(await client.get('{wb}k7')).toBe('7');
  });
});
