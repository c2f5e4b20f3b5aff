/**
 * The session layer's injectable clocks (issue 10, reshape): the memory
 * registry and the admin service read time through a `now()` dependency, so
 * a test moves time forward instead of sleeping past a block or an expiry.
 * Everything here is the real thing (registry, admin and session services,
 * bus, authenticator); only the clock is the test's. In cluster mode (a real
 * redis-server and a gateway process that is killed) the presence events of
 * the store are dated by the injected clock too.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { MemoryRevocations } from '../src/auth/jwt-revocations.js';
import { LoginAuthenticator } from '../src/auth/login-authenticator.js';
import { PasswordCheckLimiter } from '../src/auth/password-checks.js';
import { checkToken } from '../src/auth/token.js';
import { buildConfig } from '../src/config/load.js';
import { createLogger } from '../src/logger.js';
import { Metrics } from '../src/metrics.js';
import { AdminService } from '../src/session/admin-service.js';
import { LocalBus } from '../src/session/bus.js';
import { MemoryRegistry } from '../src/session/memory-registry.js';
import type { LoginResult, SessionInfo } from '../src/session/registry.js';
import { SessionService } from '../src/session/session-service.js';
import { MemoryTokenIndex } from '../src/session/token-index.js';
import { EventKind, type AdmEvent } from '../src/protocol/types.js';
import { adminGateway, adminOf } from './admin-helpers.js';
import { loggedIn, onCleanup, serveGateway, waitFor } from './helpers.js';
import { ManualClock } from './support/manual-clock.js';
import { RedisServer, redisSuitesEnabled } from './support/redis-server.js';

const limits = { deviceLimit: 5, typeLimit: 5, mode: 'reject' as const, minAgeMs: 0 };
let seq = 0;
const closers: (() => unknown)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0)) await close();
});

/** A login of domain '' / `name` at `now`, its resume token expiring `tokenMs` later. */
function login(registry: MemoryRegistry, name: string, now: number, tokenMs = 60_000): Promise<LoginResult> {
  const ssid = `s${++seq}`;
  const session: SessionInfo = { ssid, domain: '', name, resource: 'r', termtyp: 0, loginTime: now, refreshTime: now, ip: '127.0.0.1', gateway: 'node-1', connId: `c${seq}` };
  return registry.login({ session, limits, kick: [], token: { domain: '', name, ssid, hash: 'h', expires: now + tokenMs }, now });
}

/** A memory registry and an admin service on one manual clock. */
async function adminOn(clock: ManualClock): Promise<{ registry: MemoryRegistry; admin: AdminService }> {
  const config = buildConfig({});
  const log = createLogger('silent', false);
  const registry = new MemoryRegistry(clock.now);
  const metrics = new Metrics();
  const bus = new LocalBus('node-1');
  const passwordChecks = new PasswordCheckLimiter(config.password_checks, metrics.registry);
  const authenticator = await LoginAuthenticator.create({ config, gatewayId: 'node-1', registry, revocations: new MemoryRevocations(), log, metrics: metrics.registry, passwordChecks });
  const tokenIndex = new MemoryTokenIndex();
  const sessions = new SessionService({ config, gatewayId: 'node-1', registry, tokenIndex, bus, authenticator, metrics, log });
  closers.push(() => registry.close(), () => metrics.close(), () => authenticator.close(), () => tokenIndex.close());
  return { registry, admin: new AdminService({ config, registry, bus, sessions, log, passwordChecks, connections: () => 0, now: clock.now }) };
}

describe('injected clocks instead of sleeps', () => {
  it('an ADMKICK block ends when blockSeconds have passed on the admin service\'s clock', async () => {
    const clock = new ManualClock();
    const { registry, admin } = await adminOn(clock);
    expect(await admin.kick({ domain: '', names: ['alice'], ssids: [], reason: '', blockSeconds: 60 })).toEqual({ ok: true, value: 0 });
    expect(await login(registry, 'alice', clock.t)).toMatchObject({ ok: false, code: 4110 });
    clock.t += 59_999;
    expect(await login(registry, 'alice', clock.t)).toMatchObject({ ok: false, code: 4110 });
    clock.t += 1;
    expect(await login(registry, 'alice', clock.t)).toMatchObject({ ok: true });
  });

  it('an ADMTOKEN login token dies at ttlSeconds on the admin service\'s clock', async () => {
    const clock = new ManualClock();
    const { registry, admin } = await adminOn(clock);
    const issued = await admin.token({ domain: '', name: 'carol', ttlSeconds: 1, extend: {} });
    expect(issued).toMatchObject({ ok: true, value: { expires: clock.t + 1000 } });
    const token = issued.ok ? issued.value.token : '';
    clock.t += 1000;
    expect(await checkToken(registry, '', 'carol', token, clock.t)).toEqual({ kind: 'invalid' });
    expect(await admin.stats()).toMatchObject({ ok: true, value: { tokens: 0 } });
  });

  it('the memory registry prunes an account\'s expired resume tokens on its next write by its own clock', async () => {
    const clock = new ManualClock();
    const registry = new MemoryRegistry(clock.now);
    closers.push(() => registry.close());
    const r = await login(registry, 'bob', clock.t, 1000);
    const s = (await registry.list('', 'bob'))[0]!;
    expect(r.ok && (await registry.remove('', 'bob', s.ssid, s.connId))).toEqual(s);
    expect((await registry.stats(clock.t)).storedTokens).toBe(1);
    clock.t += 1000;
    expect((await registry.stats(clock.t)).storedTokens).toBe(1); // expired, still stored
    await registry.block('', 'bob', 0); // a write to the account prunes it as of the registry's clock
    expect((await registry.stats(clock.t)).storedTokens).toBe(0);
  });
});

describe.skipIf(!redisSuitesEnabled())('injected clock in cluster mode', () => {
  it('the OFFLINE event of a session reaped from a dead node carries the reaping node\'s clock', async () => {
    const redis = await RedisServer.start();
    onCleanup(() => redis.stop());
    const cluster = { redis: { url: redis.url, lease_ttl: 1 } };
    const doomed = await serveGateway({ ...cluster, gateway_id: 'node-doomed' });
    const clock = new ManualClock();
    clock.t = Date.UTC(2030, 0, 1); // a time no real clock gives now
    const reaper = await adminGateway({ ...cluster, gateway_id: 'node-reaper' }, { clock: clock.now });
    const ops = await adminOf(reaper);
    const events: AdmEvent[] = [];
    ops.on('event', (e: AdmEvent) => events.push(e));
    await ops.subscribe('');
    const ghost = (await loggedIn(doomed.clientUrl, { name: 'alice' })).lastLogin!.n2!;
    await doomed.stop('SIGKILL');
    await waitFor(() => events.some((e) => e.ssid === ghost && e.kind === EventKind.OFFLINE), 30_000, 'the dead node\'s session to be reaped');
    expect(events.find((e) => e.ssid === ghost && e.kind === EventKind.OFFLINE)).toMatchObject({ reason: 'node_lost', time: clock.t });
  });
});
