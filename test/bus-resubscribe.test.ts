/**
 * A lost pub/sub subscription in cluster mode (issue 10 defect 7), with two
 * gateways on one real redis-server and real sockets: Redis drops the
 * subscribers (CLIENT KILL TYPE pubsub) and a requirepass keeps them out
 * while a login on node B kicks a session of node A, so A never receives the
 * kick. The loss is logged and counted, and A's resubscription is followed at
 * once by a reconcile that closes the kicked socket with 4001 (the heartbeat,
 * which would also find it, is set far beyond the test).
 */
import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { loggedIn, metricValue, onCleanup, startGateway, waitFor } from './helpers.js';
import { keptLogger } from './support/kept-logger.js';
import { RedisServer, redisSuitesEnabled } from './support/redis-server.js';
import { TcpProxy } from './support/tcp-proxy.js';

describe.skipIf(!redisSuitesEnabled())('cluster mode: a lost pub/sub subscription', () => {
  it('a kick published while node A could not receive it still closes the device with 4001 once A resubscribes; the loss is logged and counted', async () => {
    const redis = await RedisServer.start();
    onCleanup(() => redis.stop());
    const control = new Redis(redis.url);
    onCleanup(async () => control.disconnect());
    const config = { redis: { url: redis.url }, heartbeat_interval: 3600, domains: { other: { device_limit: 1, overentry: 'kick' } } };
    const linesA: Record<string, unknown>[] = [];
    const a = await startGateway({ ...config, gateway_id: 'gw-a' }, { logger: keptLogger(linesA) });
    const b = await startGateway({ ...config, gateway_id: 'gw-b' });
    const phone = await loggedIn(a, { name: 'alice', domain: 'other' });
    const closed = phone.closed;

    // Redis drops the subscribers, and a password (connections already open keep theirs) keeps them from coming back
    await control.config('SET', 'requirepass', 'closed-for-a-while');
    await control.call('CLIENT', 'KILL', 'TYPE', 'pubsub');
    await waitFor(async () => (await metricValue(a, 'tim_bus_subscriptions_lost_total')) === 1, 10_000, 'node A to count the lost subscription');
    const laptop = await loggedIn(b, { name: 'alice', domain: 'other' }); // kicks the phone: its KICK goes to gw-a's channel, where nobody listens
    await control.config('SET', 'requirepass', '');

    expect((await closed).code).toBe(4001);
    expect(linesA.some((l) => l.msg === 'pub/sub subscription lost: commands for this node may be missed until it resubscribes')).toBe(true);
    expect(linesA.some((l) => l.msg === 'pub/sub subscription back: reconciling this node\'s sockets with the table')).toBe(true);
    expect(await laptop.ping()).toBeUndefined();
  }, 30_000);

  it('a gateway closed while its pub/sub connection is reconnecting leaves no unhandled rejection behind (nothing re-subscribes on a closed connection)', async () => {
    const redis = await RedisServer.start();
    onCleanup(() => redis.stop());
    const proxy = await TcpProxy.start(redis.port);
    onCleanup(() => proxy.close());
    const rejections: unknown[] = [];
    const collect = (reason: unknown): void => void rejections.push(reason);
    process.on('unhandledRejection', collect);
    onCleanup(async () => void process.off('unhandledRejection', collect));
    const gw = await startGateway({ redis: { url: `redis://127.0.0.1:${proxy.port}` }, heartbeat_interval: 3600 });

    // the network drops; both connections come back, and the answers to their ready check (INFO) are held back
    proxy.holdAfter('\r\ninfo\r\n');
    proxy.dropAll();
    await waitFor(() => proxy.holding === 2, 10_000, 'both connections to send their ready check');
    // the gateway shuts down meanwhile; then the answers arrive on its closed connections
    await gw.close();
    proxy.release();
    await waitFor(() => proxy.connections === 0, 10_000, 'the proxy to see both connections closed');
    await new Promise((r) => setImmediate(r));
    expect(rejections).toEqual([]);
  }, 30_000);
});
