/**
 * Presence events between nodes (issue 16, cluster cost), two gateways on one
 * real redis-server: a node subscribes to the event channel only while it has
 * a consumer of other nodes' events (an ADMSUB socket, a GET /api/v1/events
 * stream), so a login is not delivered to every node of the cluster. Redis'
 * own PUBSUB NUMSUB shows who is subscribed; events show what arrives.
 */
import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import type { AdmEvent } from '../src/protocol/types.js';
import { adminOf } from './admin-helpers.js';
import { loggedIn, onCleanup, waitFor } from './helpers.js';
import { apiGateway, subscribe } from './http-helpers.js';
import { RedisServer, redisSuitesEnabled } from './support/redis-server.js';

const ONLINE = 1;

describe.skipIf(!redisSuitesEnabled())('cluster mode: presence events follow their consumers', () => {
  it('a node subscribes to the event channel only while an ADMSUB socket or an event stream wants it, and each gets the other node\'s events from its acknowledgement on', async () => {
    const redis = await RedisServer.start();
    onCleanup(() => redis.stop());
    const control = new Redis(redis.url);
    onCleanup(async () => control.disconnect());
    const channel = 'tim:events';
    const subscribers = async (): Promise<number> => Number(((await control.call('PUBSUB', 'NUMSUB', channel)) as [string, number])[1]);
    const config = { redis: { url: redis.url }, heartbeat_interval: 3600 };
    const a = await apiGateway({ ...config, gateway_id: 'gw-a' });
    const b = await apiGateway({ ...config, gateway_id: 'gw-b' });

    // nobody watches: logins reach no node's subscription
    await loggedIn(b, { name: 'alice' });
    expect(await subscribers()).toBe(0);

    // ADMSUB on A: subscribed by the time its AdmAck arrives, and B's next login reaches it
    const watcher = await adminOf(a);
    const seen: AdmEvent[] = [];
    watcher.on('event', (e: AdmEvent) => seen.push(e));
    await watcher.subscribe('');
    expect(await subscribers()).toBe(1);
    await loggedIn(b, { name: 'bob' });
    await waitFor(() => seen.some((e) => e.kind === ONLINE && e.name === 'bob'), 10_000, "B's login to reach A's ADMSUB socket");

    // an event stream on B: subscribed by the time its ": subscribed" comment arrives, and gets A's logins
    const stream = await subscribe(b);
    expect(stream.messages[0]).toEqual({ comment: 'subscribed' });
    expect(await subscribers()).toBe(2);
    await loggedIn(a, { name: 'carol' });
    await waitFor(() => stream.messages.some((m) => 'event' in m && m.data.name === 'carol'), 10_000, "A's login to reach B's event stream");

    // Redis drops every subscriber: a node with a follower subscribes again, with its events
    await control.call('CLIENT', 'KILL', 'TYPE', 'pubsub');
    await waitFor(async () => (await subscribers()) === 2, 10_000, 'both nodes to subscribe to the event channel again');
    await loggedIn(b, { name: 'dave' });
    await waitFor(() => seen.some((e) => e.kind === ONLINE && e.name === 'dave'), 10_000, "B's login after the reconnect to reach A's ADMSUB socket");

    // consumers gone: each node leaves the channel
    watcher.terminate();
    await waitFor(async () => (await subscribers()) === 1, 10_000, 'node A to leave the event channel');
    stream.res.destroy();
    await waitFor(async () => (await subscribers()) === 0, 10_000, 'node B to leave the event channel');
  }, 60_000);
});
