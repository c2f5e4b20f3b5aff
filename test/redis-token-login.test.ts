/**
 * Token logins in cluster mode are checked inside the login script (issue 16):
 * a token login sends one script call and no read before it, and every bad
 * token still answers 4115 (unknown, wrong secret, other account, expired,
 * revoked, a login token used twice; one rotated within the last 30 s 5104),
 * before a block (4110); a login
 * token is taken once it matches, whatever follows, and its extend applies;
 * a resume of a still-listed session keeps the limits and JWT its identity
 * brought. On one Redis and on a Redis Cluster (login tokens live on the
 * account's slot, so the script can take them).
 */
import { SignJWT } from 'jose';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { parseToken } from '../src/auth/token.js';
import type { Gateway } from '../src/gateway.js';
import { EventKind, type AdmEvent, type TimAuth } from '../src/protocol/types.js';
import { RedisKeys } from '../src/session/redis-keys.js';
import { adminGateway, adminOf } from './admin-helpers.js';
import { connect, onCleanup, PWD } from './helpers.js';
import { RedisServer, redisSuitesEnabled } from './support/redis-server.js';
import { RedisClusterServers } from './support/redis-topologies.js';

const SECRET = 'jwt-shared-secret-of-the-login-service';
const jwtConfig = { jwt: { secret: SECRET } };
const otherSecret = 'A'.repeat(43);

/** A fresh socket's AUTH answer. */
async function attempt(gw: Gateway, auth: Partial<TimAuth>): Promise<{ code: number; ack: Awaited<ReturnType<Awaited<ReturnType<typeof connect>>['login']>>; c: Awaited<ReturnType<typeof connect>> }> {
  const c = await connect(gw);
  const ack = await c.login(auth);
  return { code: ack.ok ? 0 : (ack.error?.code ?? -1), ack, c };
}

const code = async (gw: Gateway, auth: Partial<TimAuth>): Promise<number> => (await attempt(gw, auth)).code;

/** Waits until the clock passes `ms` (a token's expiry). */
const past = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, Math.max(0, ms - Date.now() + 20)));

type Backend = { name: string; start: () => Promise<Record<string, unknown>>; stop: () => Promise<void> };
let single: RedisServer | undefined;
let cluster: RedisClusterServers | undefined;
const backends: Backend[] = [
  { name: 'one Redis', start: async () => ({ url: (single ??= await RedisServer.start()).url }), stop: async () => single?.stop() },
  { name: 'Redis Cluster of 3 masters', start: async () => ({ cluster: (cluster ??= await RedisClusterServers.start(3)).seeds }), stop: async () => cluster?.stop() },
];

describe.skipIf(!redisSuitesEnabled()).each(backends)('token logins checked in the login script ($name)', (backend) => {
  afterAll(() => backend.stop());
  let n = 0;
  const gateway = async (extra: Record<string, unknown> = {}): Promise<Gateway> => {
    const redis = { ...(await backend.start()), prefix: `tok${Date.now()}-${n++}:`, reconcile_interval: 3600 };
    return adminGateway({ device_limit: 5, devicetype_limit: 5, ...extra, redis });
  };

  it('resume tokens: a wrong secret, an unknown ssid, another account and a revoked token are 4115, a token just rotated 5104 (try again); a good one resumes once', async () => {
    const gw = await gateway();
    const first = await attempt(gw, { name: 'alice', pwd: PWD });
    const r1 = first.ack.token!;
    const ssid = first.ack.n2!;
    expect(await code(gw, { name: 'alice', token: `r.${ssid}.${otherSecret}` })).toBe(4115);
    expect(await code(gw, { name: 'alice', token: `r.nosuchssid.${r1.split('.')[2]}` })).toBe(4115);
    expect(await code(gw, { name: 'bob', token: r1 })).toBe(4115);
    // still listed: resumed in place, the old socket is told so
    const resumed = await attempt(gw, { name: 'alice', token: r1 });
    expect(resumed.ack).toMatchObject({ ok: true, n2: ssid });
    await first.c.closed;
    // rotated by the resume: for 30 s that answers 5104, as the resume may still be withdrawn (login.lua; 4115 after: registry conformance)
    expect(await code(gw, { name: 'alice', token: r1 })).toBe(5104);
    const r2 = resumed.ack.token!;
    expect((await resumed.c.logout()).ok).toBe(true);
    expect(await code(gw, { name: 'alice', token: r2 })).toBe(4115); // revoked by the LOGOUT
  });

  it('an expired resume token is 4115', async () => {
    const gw = await gateway({ resume_timeout: 1 });
    const first = await attempt(gw, { name: 'alice', pwd: PWD });
    first.c.terminate();
    await past(first.ack.t2!);
    expect(await code(gw, { name: 'alice', token: first.ack.token! })).toBe(4115);
  });

  it('login tokens: another account or a wrong secret leave them alone; taken once; their extend applies; expired is 4115', async () => {
    const gw = await gateway();
    const admin = await adminOf(gw);
    const { token } = await admin.token('', 'alice', 60, { plan: 'vip' });
    const { id } = parseToken(token)!;
    expect(await code(gw, { name: 'bob', token })).toBe(4115);
    expect(await code(gw, { name: 'alice', domain: 'acme', token })).toBe(4115);
    expect(await code(gw, { name: 'alice', token: `l.${id}.${otherSecret}` })).toBe(4115);
    const used = await attempt(gw, { name: 'alice', token, extend: { app: 'web' } });
    expect(used.code).toBe(0);
    expect((await used.c.sessions()).self!.extend).toEqual({ app: 'web', plan: 'vip' });
    const [account] = await admin.online('', ['alice']);
    expect(account!.sessions.map((s) => s.extend)).toEqual([{ app: 'web', plan: 'vip' }]);
    expect(await code(gw, { name: 'alice', token })).toBe(4115); // single use

    const short = await admin.token('', 'bob', 1);
    await past(short.expires);
    expect(await code(gw, { name: 'bob', token: short.token })).toBe(4115);
  });

  it('a bad token is 4115 before a block is 4110; a good login token of a blocked account is taken all the same', async () => {
    const gw = await gateway();
    const admin = await adminOf(gw);
    const carol = await attempt(gw, { name: 'carol', pwd: PWD });
    const { token } = await admin.token('', 'carol', 60);
    await admin.kick({ names: ['carol'], blockSeconds: 60 });
    await carol.c.closed;
    expect(await code(gw, { name: 'carol', token: carol.ack.token! })).toBe(4115); // revoked by the kick
    expect(await code(gw, { name: 'carol', token: `l.${token.split('.')[1]}.${otherSecret}` })).toBe(4115);
    expect(await code(gw, { name: 'carol', token })).toBe(4110);
    const { id, hash } = parseToken(token)!;
    expect(await gw.store.registry.takeLoginToken(id, '', 'carol', hash, Date.now())).toBeNull();
  });

  it('a resume of a still-listed session keeps the limits and the JWT its identity brought', async () => {
    const gw = await gateway({ ...jwtConfig, device_limit: 1, devicetype_limit: 1 });
    const now = Math.floor(Date.now() / 1000);
    const jwt = await new SignJWT({ sub: 'dave', exp: now + 600, jti: 'j-dave', device_limit: 2, devicetype_limit: 2 }).setProtectedHeader({ alg: 'HS256' }).sign(new TextEncoder().encode(SECRET));
    const one = await attempt(gw, { name: 'dave', token: jwt });
    expect((await attempt(gw, { name: 'dave', token: jwt })).code).toBe(0);
    // the domain allows one session: only the limits dave's JWT brought let the listed session resume next to the other
    const resumed = await attempt(gw, { name: 'dave', token: one.ack.token! });
    expect(resumed.ack).toMatchObject({ ok: true, n2: one.ack.n2 });
    await one.c.closed;
    // kicking the resumed session revokes the JWT it carries
    await (await adminOf(gw)).kick({ ssids: [one.ack.n2!] });
    await resumed.c.closed;
    expect(await code(gw, { name: 'dave', token: jwt })).toBe(4115);
  });
});

describe.skipIf(!redisSuitesEnabled())('the Redis commands and indexes of a token login (one Redis, MONITOR)', () => {
  let redis: RedisServer | undefined;
  afterAll(async () => redis?.stop());

  it('the scripts keep the ssid index to the listed sessions and point each new token at its account', async () => {
    redis ??= await RedisServer.start();
    const prefix = 'index:';
    const gw = await adminGateway({ device_limit: 1, overentry: 'kick', redis: { url: redis.url, prefix, reconcile_interval: 3600 } });
    const raw = new Redis(redis.url);
    onCleanup(async () => raw.disconnect());
    const first = await attempt(gw, { name: 'alice', pwd: PWD });
    const second = await attempt(gw, { name: 'alice', pwd: PWD, resource: 'phone' }); // evicts the first
    await first.c.closed;
    expect(await code(gw, { name: 'alice', token: `l.nosuchtoken.${otherSecret}` })).toBe(4115);
    expect(await code(gw, { name: 'alice', token: `r.${first.ack.n2}.${otherSecret}` })).toBe(4115);
    expect(Object.keys(await raw.hgetall(`${prefix}x`))).toEqual([second.ack.n2]);
    expect(JSON.parse((await raw.get(`${prefix}ri:${second.ack.n2}`))!)).toEqual({ domain: '', name: 'alice', resource: 'phone', termtyp: 0 });
    second.c.terminate();
    await expect.poll(() => raw.hlen(`${prefix}x`)).toBe(0);
  });

  it('a token login and a clean close each send one script, which publishes the ONLINE / OFFLINE event itself', async () => {
    redis ??= await RedisServer.start();
    const prefix = 'cmds:';
    const gw = await adminGateway({ redis: { url: redis.url, prefix, reconcile_interval: 3600 } });
    const first = await attempt(gw, { name: 'alice', pwd: PWD });
    first.c.terminate();
    await first.c.closed;
    const tag = new RedisKeys(prefix).tag('', 'alice');
    const ssid = first.ack.n2!;

    const probe = new Redis(redis.url, { lazyConnect: true });
    await probe.connect();
    const monitor = await probe.monitor();
    onCleanup(async () => {
      monitor.disconnect();
      probe.disconnect();
    });
    const sent: string[][] = [];
    /** The events the scripts published: [kind, name, ssid, reason]. */
    const published: unknown[][] = [];
    monitor.on('monitor', (_time: string, args: string[], source: string) => {
      if (source === 'lua' && args[0]?.toLowerCase() === 'publish' && args[1] === `${prefix}events`) {
        const { event } = JSON.parse(args[2]!) as { event: AdmEvent };
        published.push([event.kind, event.name, event.ssid, event.reason]);
      }
      if (source !== 'lua' && args.some((a) => a.includes(tag) || a.includes(ssid))) sent.push(args);
    });
    // everything before a PING of ours has been seen once MONITOR shows it (the close's removal included)
    const mark = async (): Promise<void> => {
      sent.length = 0;
      await probe.ping(`${tag}-mark`);
      await expect.poll(() => sent.some((a) => a[0] === 'ping')).toBe(true);
    };
    await mark();
    sent.length = 0;
    const resumed = await attempt(gw, { name: 'alice', token: first.ack.token! });
    expect(resumed.code).toBe(0);
    await probe.ping(`${tag}-mark`);
    await expect.poll(() => sent.at(-1)?.[0]).toBe('ping');
    const commands = (): string[] => sent.slice(0, -1).map((a) => a[0]!.toLowerCase());
    // the login script, which also indexes the ssid and the new token on one Redis and publishes the ONLINE event
    expect(commands()).toEqual(['evalsha']);
    expect(sent[0]!.slice(3, 3 + Number(sent[0]![2]))).toContain(`${prefix}${tag}:t`);
    expect(published).toEqual([[EventKind.ONLINE, 'alice', ssid, 'resume']]);

    // a clean close: the remove script, which publishes the OFFLINE event
    await mark();
    sent.length = 0;
    await resumed.c.close();
    await expect.poll(() => published.length).toBe(2);
    await probe.ping(`${tag}-mark`);
    await expect.poll(() => sent.at(-1)?.[0]).toBe('ping');
    expect(commands()).toEqual(['evalsha']);
    expect(published[1]).toEqual([EventKind.OFFLINE, 'alice', ssid, 'closed']);
  });
});
