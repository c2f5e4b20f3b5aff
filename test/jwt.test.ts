/**
 * JWT logins (PROTOCOL.md section 11) with keys made here: HS256 with a
 * secret, RS256 with a PEM public key file, ES256 from a JWKS served by the
 * test; every bad token is 4115; limit and extend claims apply; a JWT whose
 * session was kicked or logged out is revoked until it expires, on every node,
 * while one whose socket merely closed logs in again.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { exportJWK, exportSPKI, generateKeyPair, SignJWT, type JWTPayload } from 'jose';
import { afterAll, describe, expect, it } from 'vitest';
import type { Gateway } from '../src/gateway.js';
import { adminGateway, adminOf } from './admin-helpers.js';
import { connect, tempDir, waitFor } from './helpers.js';
import { call } from './http-helpers.js';
import { ManualClock } from './support/manual-clock.js';
import { sendJson, startService } from './support/http-service.js';
import { RedisServer, redisSuitesEnabled } from './support/redis-server.js';

const SECRET = 'jwt-shared-secret-of-the-login-service';
const ISS = 'https://login.example';
const AUD = 'chat';
const key = new TextEncoder().encode(SECRET);
const hs = { jwt: { secret: SECRET, issuer: ISS, audience: AUD } };
const base64url = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

/** An HS256 JWT for `name` valid for an hour, with `claims` over the defaults. */
function hsToken(name: string, claims: JWTPayload = {}, signWith: Uint8Array = key): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({ sub: name, iss: ISS, aud: AUD, iat: now, exp: now + 3600, ...claims }).setProtectedHeader({ alg: 'HS256' }).sign(signWith);
}

async function login(gw: Gateway | string, name: string, token: string, extra: Record<string, unknown> = {}) {
  const c = await connect(gw);
  return { c, ack: await c.login({ name, token, ...extra }) };
}

/**
 * A JWT session that closed cleanly and is resumed (on `second`) keeps what the
 * JWT brought: its limits decide the resume, its extend stays on the session,
 * and the resumed session's LOGOUT revokes the JWT. The domain allows one device.
 */
async function resumeKeepsTheJwt(first: Gateway, second: Gateway): Promise<void> {
  const jwt = await hsToken('erin', { jti: 'resumed', device_limit: 2, devicetype_limit: 2, extend: { plan: 'vip' } });
  const a = await login(first, 'erin', jwt, { termtyp: 1 });
  expect(a.ack.ok).toBe(true);
  await a.c.close();
  await waitFor(async () => (await second.store.registry.list('', 'erin')).length === 0);
  expect((await login(second, 'erin', await hsToken('erin', { jti: 'other', device_limit: 2, devicetype_limit: 2 }), { termtyp: 1 })).ack.ok).toBe(true);
  const resumed = await login(second, 'erin', a.ack.token!, { termtyp: 1, extend: { app: 'web' } });
  expect(resumed.ack).toMatchObject({ ok: true, n2: a.ack.n2 }); // decided under the JWT's limit of 2, not the domain's 1
  expect((await resumed.c.sessions()).self!.extend).toEqual({ app: 'web', plan: 'vip' });
  await resumed.c.logout();
  expect((await login(first, 'erin', jwt, { termtyp: 2 })).ack.error?.code).toBe(4115);
}

/**
 * A JWT session's resume token ends at the JWT's exp (the domain's
 * resume_timeout is a day): at login, and again when the session is resumed
 * (on `second`) after a clean close, where the store applies the JWT the
 * token carries.
 */
async function resumeEndsAtJwtExp(first: Gateway, second: Gateway): Promise<void> {
  const exp = Math.floor(Date.now() / 1000) + 120;
  const a = await login(first, 'frank', await hsToken('frank', { exp }));
  expect(a.ack).toMatchObject({ ok: true, t2: exp * 1000 });
  await a.c.close();
  await waitFor(async () => (await second.store.registry.list('', 'frank')).length === 0);
  const resumed = await login(second, 'frank', a.ack.token!);
  expect(resumed.ack).toMatchObject({ ok: true, n2: a.ack.n2, t2: exp * 1000 });
  expect(await second.store.registry.getResumeToken('', 'frank', a.ack.n2!, Date.now())).toMatchObject({ expires: exp * 1000 });
}

describe('JWT logins', () => {
  it('HS256: accepted with a resume token; limit and extend claims apply', async () => {
    const gw = await adminGateway({ ...hs, device_limit: 1, devicetype_limit: 1 });
    const token = await hsToken('alice', { device_limit: 2, devicetype_limit: 2, extend: { plan: 'vip' } });
    const first = await login(gw, 'alice', token, { termtyp: 1, extend: { app: 'web' } });
    expect(first.ack).toMatchObject({ ok: true, token: expect.stringMatching(/^r\./) });
    expect((await login(gw, 'alice', token, { termtyp: 1 })).ack.ok).toBe(true);
    expect((await login(gw, 'alice', token, { termtyp: 1 })).ack.error?.code).toBe(4111);
    expect((await first.c.sessions()).self!.extend).toEqual({ app: 'web', plan: 'vip' });
    const [account] = await (await adminOf(gw)).online('', ['alice']);
    expect(account!.sessions.map((s) => s.extend)).toContainEqual({ app: 'web', plan: 'vip' });
    // the resume token of a JWT login is the gateway's own
    expect((await login(gw, 'alice', first.ack.token!, { termtyp: 1 })).ack).toMatchObject({ ok: true, n2: first.ack.n2 });
  });

  it('RS256 with a PEM public key file (relative to tim.json)', async () => {
    const { publicKey, privateKey } = await generateKeyPair('RS256');
    const dir = tempDir();
    writeFileSync(join(dir, 'login-service.pem'), await exportSPKI(publicKey));
    const gw = await adminGateway({ jwt: { public_key: join(dir, 'login-service.pem'), algorithms: ['RS256'] } });
    const exp = Math.floor(Date.now() / 1000) + 600;
    const good = await new SignJWT({ sub: 'bob', exp }).setProtectedHeader({ alg: 'RS256' }).sign(privateKey);
    expect((await login(gw, 'bob', good)).ack.ok).toBe(true);
    const other = await generateKeyPair('RS256');
    const forged = await new SignJWT({ sub: 'bob', exp }).setProtectedHeader({ alg: 'RS256' }).sign(other.privateKey);
    expect((await login(gw, 'bob', forged)).ack.error?.code).toBe(4115);
  });

  it('ES256 from a JWKS served by the application', async () => {
    const { publicKey, privateKey } = await generateKeyPair('ES256');
    const jwk = { ...(await exportJWK(publicKey)), kid: 'k1', alg: 'ES256', use: 'sig' };
    const jwks = await startService((_r, res) => sendJson(res, { keys: [jwk] }));
    const gw = await adminGateway({ jwt: { jwks_url: `${jwks.url}.well-known/jwks.json`, domain_claim: 'tenant' } });
    const exp = Math.floor(Date.now() / 1000) + 600;
    const token = await new SignJWT({ sub: 'carol', tenant: 'acme', exp }).setProtectedHeader({ alg: 'ES256', kid: 'k1' }).sign(privateKey);
    expect((await login(gw, 'carol', token, { domain: 'acme' })).ack.ok).toBe(true);
    expect((await login(gw, 'carol', token, { domain: 'other' })).ack.error?.code).toBe(4115);
    expect(jwks.requests.length).toBe(1); // cached
  });

  it('answers 4115 to expired, not yet valid, wrongly signed, wrong iss/aud, sub or domain, alg none, and no exp', async () => {
    const gw = await adminGateway(hs);
    const now = Math.floor(Date.now() / 1000);
    const b64 = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
    const bad: [string, string][] = [
      ['expired', await hsToken('dave', { exp: now - 120 })],
      ['not yet valid', await hsToken('dave', { nbf: now + 600 })],
      ['wrong signature', await hsToken('dave', {}, new TextEncoder().encode('another-secret-of-someone-else'))],
      ['wrong iss', await hsToken('dave', { iss: 'https://evil.example' })],
      ['wrong aud', await hsToken('dave', { aud: 'billing' })],
      ['sub is another name', await hsToken('mallory')],
      ['domain claim of another domain', await hsToken('dave', { domain: 'acme' })],
      ['alg none', `${b64({ alg: 'none', typ: 'JWT' })}.${b64({ sub: 'dave', iss: ISS, aud: AUD, exp: now + 600 })}.`],
      ['no exp', await new SignJWT({ sub: 'dave', iss: ISS, aud: AUD }).setProtectedHeader({ alg: 'HS256' }).sign(key)],
      ['a bad limit claim', await hsToken('dave', { device_limit: 'many' })],
    ];
    for (const [what, token] of bad) expect((await login(gw, 'dave', token)).ack.error?.code, what).toBe(4115);
    expect((await login(gw, 'dave', await hsToken('dave'))).ack.ok).toBe(true);
  });

  it('a JWT whose session logged out or was kicked answers 4115 until it expires; a closed socket logs in again', async () => {
    const gw = await adminGateway({ ...hs, device_limit: 1, overentry: 'kick' });
    const admin = await adminOf(gw);
    // logout, JWT with a jti
    const withJti = await hsToken('alice', { jti: 'login-1' });
    const a = await login(gw, 'alice', withJti);
    await a.c.logout();
    expect((await login(gw, 'alice', withJti)).ack.error?.code).toBe(4115);
    // admin kick, JWT without a jti (revoked by its hash)
    const noJti = await hsToken('bob');
    const b = await login(gw, 'bob', noJti);
    await admin.kick({ names: ['bob'] });
    await b.c.closed;
    expect((await login(gw, 'bob', noJti)).ack.error?.code).toBe(4115);
    // the same token with another last signature character: the same signature bytes (spare bits), still revoked
    const sibling = `${noJti.slice(0, -1)}${base64url[base64url.indexOf(noJti.at(-1)!) ^ 1]}`;
    expect(Buffer.from(sibling.split('.')[2]!, 'base64url')).toEqual(Buffer.from(noJti.split('.')[2]!, 'base64url'));
    expect((await login(gw, 'bob', sibling)).ack.error?.code).toBe(4115);
    expect((await login(gw, 'bob', await hsToken('bob', { jti: 'fresh' }))).ack.ok).toBe(true);
    // pushed out by a new login (overentry kick)
    const old = await hsToken('carol', { jti: 'old' });
    const c1 = await login(gw, 'carol', old);
    expect((await login(gw, 'carol', await hsToken('carol', { jti: 'new' }))).ack.ok).toBe(true);
    await c1.c.closed;
    expect((await login(gw, 'carol', old)).ack.error?.code).toBe(4115);
    // a clean close does not revoke
    const kept = await hsToken('dave', { jti: 'kept' });
    const d = await login(gw, 'dave', kept);
    await d.c.close();
    await waitFor(() => gw.service.local.size === 2);
    expect((await login(gw, 'dave', kept)).ack.ok).toBe(true);
  });

  it('a JWT session logged out over HTTP (/api/v1/me/logout) after its socket closed: the JWT is revoked too', async () => {
    const gw = await adminGateway(hs);
    const jwt = await hsToken('alice'); // no jti: revoked by its hash
    const a = await login(gw, 'alice', jwt);
    await a.c.close();
    await waitFor(async () => (await gw.store.registry.list('', 'alice')).length === 0);
    const base = gw.clientUrl.replace(/^ws/, 'http').replace(/\/tim$/, '');
    const out = await call(base, 'POST', '/api/v1/me/logout', { key: a.ack.token!, body: {} });
    expect(out.json).toEqual({ loggedOut: 1 });
    expect((await login(gw, 'alice', jwt)).ack.error?.code).toBe(4115);
  });

  it('a JWT session whose socket closed is revoked by an admin kick of its account and by a KICK of its ssid', async () => {
    const gw = await adminGateway({ ...hs, device_limit: 2 });
    const admin = await adminOf(gw);
    const closedSession = async (name: string, jwt: string) => {
      const a = await login(gw, name, jwt);
      await a.c.close();
      await waitFor(async () => (await gw.store.registry.list('', name)).length === 0);
      return a.ack.n2!;
    };
    const bobs = await hsToken('bob'); // no jti: revoked by its hash
    await closedSession('bob', bobs);
    await admin.kick({ names: ['bob'] });
    expect((await login(gw, 'bob', bobs)).ack.error?.code).toBe(4115);
    const carols = await hsToken('carol', { jti: 'carol-phone' });
    const ssid = await closedSession('carol', carols);
    const other = await login(gw, 'carol', await hsToken('carol', { jti: 'carol-pc' }));
    expect(await other.c.kick([ssid])).toMatchObject({ ok: true });
    expect((await login(gw, 'carol', carols)).ack.error?.code).toBe(4115);
  });

  it('a session resumed after a clean close keeps the JWT: its limits, its extend, and its revocation at LOGOUT', async () => {
    const gw = await adminGateway({ ...hs, device_limit: 1, devicetype_limit: 1 });
    await resumeKeepsTheJwt(gw, gw);
  });

  it("a JWT session's resume token ends at the JWT's exp, also after a resume; past it the resume answers 4115", async () => {
    const clock = new ManualClock();
    const gw = await adminGateway(hs, { clock: clock.now });
    await resumeEndsAtJwtExp(gw, gw);
    const exp = Math.floor(clock.t / 1000) + 60;
    const a = await login(gw, 'gina', await hsToken('gina', { exp }));
    await a.c.close();
    await waitFor(() => gw.service.local.size === 1);
    clock.t = exp * 1000;
    expect((await login(gw, 'gina', a.ack.token!)).ack.error?.code).toBe(4115);
  });
});

const clusterSuite = redisSuitesEnabled() ? describe : describe.skip;

clusterSuite('JWT logins in cluster mode (real redis-server)', () => {
  let redis: RedisServer | undefined;
  afterAll(async () => redis?.stop());

  it('revocation reaches every node; limit claims hold across nodes; a closed socket logs in elsewhere', async () => {
    redis ??= await RedisServer.start();
    const cluster = { ...hs, device_limit: 1, devicetype_limit: 1, redis: { url: redis.url, prefix: `jwt${Date.now()}:` } };
    const a = await adminGateway({ ...cluster, gateway_id: 'node-a' });
    const b = await adminGateway({ ...cluster, gateway_id: 'node-b' });
    const token = await hsToken('alice', { jti: 'j1', device_limit: 2, devicetype_limit: 2 });
    const onA = await login(a, 'alice', token);
    expect(onA.ack.ok).toBe(true);
    expect((await login(b, 'alice', token)).ack.ok).toBe(true);
    expect((await login(b, 'alice', token)).ack.error?.code).toBe(4111);
    await (await adminOf(b)).kick({ ssids: [onA.ack.n2!] });
    await onA.c.closed;
    for (const gw of [a, b]) expect((await login(gw, 'alice', token)).ack.error?.code).toBe(4115);

    const closing = await hsToken('bob', { jti: 'j2' });
    const bob = await login(a, 'bob', closing);
    await bob.c.close();
    await waitFor(async () => (await b.store.registry.list('', 'bob')).length === 0);
    expect((await login(b, 'bob', closing)).ack.ok).toBe(true);
  });

  it("a JWT session's resume token ends at the JWT's exp, also after a resume on another node", async () => {
    redis ??= await RedisServer.start();
    const cluster = { ...hs, redis: { url: redis.url, prefix: `jwtexp${Date.now()}:` } };
    await resumeEndsAtJwtExp(await adminGateway({ ...cluster, gateway_id: 'node-a' }), await adminGateway({ ...cluster, gateway_id: 'node-b' }));
  });

  it('a JWT whose exp has a fraction of a second (jose accepts it) logs in, closes and resumes on another node', async () => {
    redis ??= await RedisServer.start();
    const cluster = { ...hs, redis: { url: redis.url, prefix: `jwtf${Date.now()}:` } };
    const [a, b] = [await adminGateway({ ...cluster, gateway_id: 'node-a' }), await adminGateway({ ...cluster, gateway_id: 'node-b' })];
    const first = await login(a, 'fran', await hsToken('fran', { exp: Math.floor(Date.now() / 1000) + 600.2345 }));
    expect(first.ack.ok).toBe(true);
    await first.c.close();
    await waitFor(async () => (await b.store.registry.list('', 'fran')).length === 0);
    const resumed = await login(b, 'fran', first.ack.token!);
    expect(resumed.ack.ok).toBe(true);
    expect(await b.store.registry.list('', 'fran')).toHaveLength(1);
  });

  it('a session resumed on another node after a clean close keeps the JWT: its limits, its extend, and its revocation at LOGOUT', async () => {
    redis ??= await RedisServer.start();
    const cluster = { ...hs, device_limit: 1, devicetype_limit: 1, redis: { url: redis.url, prefix: `jwtr${Date.now()}:` } };
    await resumeKeepsTheJwt(await adminGateway({ ...cluster, gateway_id: 'node-a' }), await adminGateway({ ...cluster, gateway_id: 'node-b' }));
  });
});
