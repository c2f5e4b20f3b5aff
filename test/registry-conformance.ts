/**
 * The conformance suite of SessionRegistry: written once, run against the
 * in-memory registry (test/memory-registry.test.ts) and the Redis one, on one
 * Redis (test/redis-registry.test.ts) and on Redis Cluster
 * (test/redis-cluster-registry.test.ts). MemoryRegistry is the reference
 * semantics; the cases of what only cluster mode has (ClusterRegistry:
 * restore, reap) run against the Redis ones.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Limits } from '../src/policy/login-policy.js';
import type { ClusterRegistry, LostPlace } from '../src/session/cluster-registry.js';
import { MemoryRegistry } from '../src/session/memory-registry.js';
import { MAX_IDLE_RESUME_TOKENS, type LoginResult, type SessionInfo, type SessionRegistry, type TokenRecord } from '../src/session/registry.js';
import { RANDOM_ACCOUNTS, RANDOM_SSIDS, randomOps } from './registry-random-ops.js';

/** A registry under test, as one gateway node sees it. */
export interface RegistryFixture<R extends SessionRegistry = SessionRegistry> {
  readonly registry: R;
  /** The node the registry belongs to (sessions it logs in carry this gateway id). */
  readonly gatewayId: string;
  close(): Promise<void>;
}

const limits = (deviceLimit: number, typeLimit: number, mode: 'reject' | 'kick' = 'reject', minAgeMs = 0): Limits => ({ deviceLimit, typeLimit, mode, minAgeMs });
const ssids = (list: readonly SessionInfo[]): string[] => list.map((s) => s.ssid);
/** The ssids a restore could not put back, each lost as `displaced` (revocations: test/redis-registry.test.ts). */
const displaced = (list: readonly LostPlace[]): string[] => list.map((l) => (l.reason === 'displaced' ? l.session.ssid : `${l.session.ssid} (${l.reason})`));

/** Defines the suite `name` against registries made by `create` (a fresh, empty one per test). */
export function registryConformance(name: string, create: () => Promise<RegistryFixture>): void {
  conformance(name, create, false);
}

/** The same suite against cluster registries, with the cases of what only they do (restore, reap). */
export function clusterRegistryConformance(name: string, create: () => Promise<RegistryFixture<ClusterRegistry>>): void {
  conformance(name, create, true);
}

function conformance(name: string, create: () => Promise<RegistryFixture>, clusterCases: boolean): void {
  describe(`SessionRegistry conformance: ${name}`, () => {
    let f: RegistryFixture;
    let reg: SessionRegistry;
    let now: number;
    let seq = 0;

    beforeEach(async () => {
      f = await create();
      reg = f.registry;
      now = Date.now();
    });
    afterEach(async () => {
      await f.close();
    });

    /** A session of account d/n on this node, `age` ms old. */
    const sess = (ssid: string, age: number, over: Partial<SessionInfo> = {}): SessionInfo => {
      seq++;
      return { ssid, domain: 'd', name: 'n', resource: `dev-${ssid}`, termtyp: 0, loginTime: now - age, refreshTime: now - age, ip: '127.0.0.1', gateway: f.gatewayId, connId: `c${seq}`, ...over };
    };
    const token = (ssid: string, hash: string, expires = now + 60_000, domain = 'd', name = 'n'): TokenRecord => ({ domain, name, ssid, hash, expires });
    /** A login at `now` (or `at`); its resume token is `h-<ssid>` (or `tokenHash`), expiring a minute later (or at `tokenExpires`). */
    const login = (session: SessionInfo, lim: Limits, extra: { kick?: string[]; resumeHash?: string; tokenHash?: string; tokenExpires?: number; at?: number } = {}): Promise<LoginResult> =>
      reg.login({
        session,
        limits: lim,
        kick: extra.kick ?? [],
        token: token(session.ssid, extra.tokenHash ?? `h-${session.ssid}`, extra.tokenExpires ?? now + 60_000, session.domain, session.name),
        now: extra.at ?? now,
        ...(extra.resumeHash !== undefined ? { resumeHash: extra.resumeHash } : {}),
      });
    const admit = async (session: SessionInfo, lim = limits(100, 100)): Promise<SessionInfo> => {
      const r = await login(session, lim);
      expect(r.ok).toBe(true);
      return session;
    };
    const listed = async (domain = 'd', name = 'n'): Promise<string[]> => ssids(await reg.list(domain, name));
    /** A session that logged in and closed cleanly: only its resume token (`hash`, expiring at `expires`) stays. */
    const closed = async (ssid: string, hash: string, expires = now + 60_000, domain = 'd', name = 'n'): Promise<void> => {
      const s = sess(ssid, 0, { domain, name });
      expect((await login(s, limits(100, 100), { tokenHash: hash, tokenExpires: expires })).ok).toBe(true);
      expect(await reg.remove(domain, name, ssid, s.connId)).toEqual(s);
    };

    it('accepts logins within the limits and lists the account oldest first', async () => {
      const a = await admit(sess('a', 3000, { extend: { uid: '42', 'key with space': 'välue' } }));
      await admit(sess('b', 1000));
      await admit(sess('c', 2000));
      expect(await listed()).toEqual(['a', 'c', 'b']);
      expect((await reg.list('d', 'n'))[0]).toEqual(a);
      expect((await reg.list('d', 'n'))[2]!.extend).toBeUndefined();
      expect(await reg.list('d', 'other')).toEqual([]);
    });

    it('reject mode: over device_limit is 4111 with every session blocking, oldest first, and nothing changes', async () => {
      await admit(sess('b', 1000));
      await admit(sess('a', 2000));
      const r = await login(sess('c', 0), limits(2, 2));
      expect(r).toMatchObject({ ok: false, code: 4111, removed: [] });
      expect(!r.ok && ssids(r.blocking)).toEqual(['a', 'b']);
      expect(await listed()).toEqual(['a', 'b']);
    });

    it('reject mode: a termtyp conflict blocks with the sessions of that termtyp only; termtyp 0 is not counted per type', async () => {
      await admit(sess('a', 2000, { termtyp: 1 }));
      await admit(sess('b', 1000, { termtyp: 2 }));
      const r = await login(sess('c', 0, { termtyp: 1 }), limits(5, 1));
      expect(!r.ok && [r.code, ssids(r.blocking)]).toEqual([4111, ['a']]);
      await admit(sess('z1', 0), limits(5, 1));
      await admit(sess('z2', 0), limits(5, 1));
      expect(await listed()).toHaveLength(4);
    });

    it('kick mode: evicts the oldest of the termtyp for a type conflict, then the oldest overall', async () => {
      await admit(sess('a', 3000, { termtyp: 1 }));
      await admit(sess('b', 2000, { termtyp: 2 }));
      const r1 = await login(sess('c', 0, { termtyp: 1 }), limits(2, 1, 'kick'));
      expect(r1.ok && ssids(r1.evicted)).toEqual(['a']);
      expect(await listed()).toEqual(['b', 'c']);
      const r2 = await login(sess('d', 0, { termtyp: 3 }), limits(2, 1, 'kick'));
      expect(r2.ok && ssids(r2.evicted)).toEqual(['b']);
      expect(await listed()).toEqual(['c', 'd']);
      expect(await reg.getResumeToken('d', 'n', 'b', now)).toBeNull();
      expect(await reg.getResumeToken('d', 'n', 'd', now)).toMatchObject({ ssid: 'd', hash: 'h-d' });
    });

    it('kick mode: evicting both a same-type and an older session when both limits are hit', async () => {
      await admit(sess('old', 5000, { termtyp: 2 }));
      await admit(sess('t1', 4000, { termtyp: 1 }));
      await admit(sess('t1b', 3000, { termtyp: 1 }));
      const r = await login(sess('new', 0, { termtyp: 1 }), limits(2, 2, 'kick'));
      expect(r.ok && ssids(r.evicted)).toEqual(['t1', 'old']);
      expect(await listed()).toEqual(['t1b', 'new']);
    });

    it('kick mode: a session younger than auth_min_unix is not evicted; the newcomer gets 4111', async () => {
      await admit(sess('a', 1000));
      const r = await login(sess('b', 0), limits(1, 1, 'kick', 60_000));
      expect(!r.ok && [r.code, ssids(r.blocking)]).toEqual([4111, ['a']]);
      expect(await listed()).toEqual(['a']);
    });

    it('kick mode with no min age evicts even a session stamped after the newcomer (another node decided first)', async () => {
      await admit(sess('later', -50));
      const r = await login(sess('b', 0), limits(1, 1, 'kick', 0));
      expect(r.ok && ssids(r.evicted)).toEqual(['later']);
    });

    it('the AUTH kick list logs out own sessions first and revokes their tokens, even when the login then fails', async () => {
      await admit(sess('a', 3000, { termtyp: 1 }));
      await admit(sess('b', 2000, { termtyp: 2 }));
      expect(await reg.getResumeToken('d', 'n', 'b', now)).toMatchObject({ hash: 'h-b' });
      const r = await login(sess('c', 0, { termtyp: 1 }), limits(3, 1), { kick: ['b', 'nope', 'c'] });
      expect(!r.ok && [r.code, ssids(r.blocking), ssids(r.removed)]).toEqual([4111, ['a'], ['b']]);
      expect(await reg.getResumeToken('d', 'n', 'b', now)).toBeNull();
      expect(await listed()).toEqual(['a']);
      const r2 = await login(sess('e', 0), limits(1, 1), { kick: ['a'] });
      expect(r2.ok && ssids(r2.removed)).toEqual(['a']);
      expect(await listed()).toEqual(['e']);
    });

    it('a resume replaces its ssid in place (keeping loginTime), not counting itself; a wrong or missing token is 4115', async () => {
      const a = await admit(sess('a', 5000), limits(1, 1));
      const again = sess('a', 0, { connId: 'new-conn', resource: 'phone2' });
      expect(await login(again, limits(1, 1), { resumeHash: 'wrong' })).toMatchObject({ ok: false, code: 4115 });
      expect(await login(sess('x', 0), limits(1, 1), { resumeHash: 'h-a' })).toMatchObject({ ok: false, code: 4115 });
      const r = await login(again, limits(1, 1), { resumeHash: 'h-a', tokenHash: 'h2-a' });
      expect(r).toMatchObject({ ok: true, evicted: [], removed: [] });
      expect(r.ok && r.replaced).toEqual(a);
      expect(await reg.list('d', 'n')).toEqual([{ ...again, loginTime: a.loginTime }]);
      expect(await reg.getResumeToken('d', 'n', 'a', now)).toMatchObject({ hash: 'h2-a' });
    });

    it('a resume in place with another termtyp is decided against devicetype_limit next to the other sessions', async () => {
      await admit(sess('a', 3000, { termtyp: 1 }), limits(3, 1));
      const b = await admit(sess('b', 2000, { termtyp: 2 }), limits(3, 1));
      const asType1 = sess('b', 0, { termtyp: 1, connId: 'b-again' });
      const refused = await login(asType1, limits(3, 1), { resumeHash: 'h-b' });
      expect(!refused.ok && [refused.code, ssids(refused.blocking)]).toEqual([4111, ['a']]);
      expect(await reg.list('d', 'n')).toContainEqual(b);
      const kicked = await login(asType1, limits(3, 1, 'kick'), { resumeHash: 'h-b' });
      expect(kicked.ok && [ssids(kicked.evicted), kicked.replaced]).toEqual([['a'], b]);
      expect((await reg.list('d', 'n')).map((s) => [s.ssid, s.termtyp, s.loginTime])).toEqual([['b', 1, b.loginTime]]);
    });

    it('an expired resume token is 4115; a resume after a clean close is a login under the same ssid that obeys the limits', async () => {
      await closed('old', 'ho', now + 1000);
      expect(await reg.getResumeToken('d', 'n', 'old', now)).toMatchObject({ hash: 'ho' });
      expect(await login(sess('old', 0), limits(5, 5), { resumeHash: 'ho', at: now + 1000 })).toMatchObject({ ok: false, code: 4115 });
      const a = await admit(sess('a', 5000), limits(1, 1));
      expect(await reg.remove('d', 'n', 'a', a.connId)).toEqual(a);
      expect(await reg.getResumeToken('d', 'n', 'a', now)).toMatchObject({ ssid: 'a', hash: 'h-a' });
      await admit(sess('b', 1000), limits(1, 1));
      const r = await login(sess('a', 0), limits(1, 1), { resumeHash: 'h-a' });
      expect(!r.ok && [r.code, ssids(r.blocking)]).toEqual([4111, ['b']]);
      await reg.removeSessions('d', 'n', ['b']);
      expect(await login(sess('a', 0), limits(1, 1), { resumeHash: 'h-a' })).toMatchObject({ ok: true, replaced: null });
    });

    it('a blocked account gets 4110 until the block ends or is lifted', async () => {
      await reg.block('d', 'n', now + 60_000);
      expect(await login(sess('a', 0), limits(5, 5))).toMatchObject({ ok: false, code: 4110 });
      await reg.block('d', 'n', 0);
      await admit(sess('a', 0));
      await reg.block('d', 'n2', Date.now() + 150);
      await new Promise((r) => setTimeout(r, 300));
      now = Date.now();
      await admit(sess('b', 0, { name: 'n2' }));
    });

    it('remove only takes a session its socket still holds, and keeps its resume token', async () => {
      const a = await admit(sess('a', 0));
      expect(await reg.remove('d', 'n', 'a', 'someone-else')).toBeNull();
      expect(await reg.remove('d', 'n', 'a', a.connId)).toEqual(a);
      expect(await reg.remove('d', 'n', 'a', a.connId)).toBeNull();
      expect(await reg.getResumeToken('d', 'n', 'a', now)).not.toBeNull();
    });

    it('withdraw takes back a login that was written, only while its socket holds the record', async () => {
      const a = await admit(sess('a', 0));
      expect(await reg.withdraw({ ...a, connId: 'someone-else' })).toBeNull();
      expect(await listed()).toEqual(['a']);
      expect(await reg.withdraw(a)).toEqual(a);
      expect(await listed()).toEqual([]);
      expect(await reg.withdraw(a)).toBeNull();
    });

    it('withdraw of a resume gives back the token it presented, until the issued one would have expired; of a new login, drops the issued token', async () => {
      await closed('a', 'ha');
      const resumed = sess('a', 0);
      expect((await login(resumed, limits(5, 5), { resumeHash: 'ha', tokenHash: 'h2', tokenExpires: now + 120_000 })).ok).toBe(true);
      expect(await reg.getResumeToken('d', 'n', 'a', now)).toMatchObject({ hash: 'h2' });
      expect(await reg.withdraw(resumed, { resumeHash: 'ha' })).toEqual(resumed);
      expect(await listed()).toEqual([]);
      expect(await reg.getResumeToken('d', 'n', 'a', now)).toEqual(token('a', 'ha', now + 120_000));
      // the client's retry of the same resume
      expect((await login(sess('a', 0), limits(5, 5), { resumeHash: 'ha' })).ok).toBe(true);
      const fresh = await admit(sess('b', 0));
      expect(await reg.withdraw(fresh, {})).toEqual(fresh);
      expect(await reg.getResumeToken('d', 'n', 'b', now)).toBeNull();
      expect(await listed()).toEqual(['a']);
    });

    it('a resume token keeps what it carries of its identity (extend, limits, JWT) after a clean close; a store that checks tokens at login applies it to the resume and to its withdrawal', async () => {
      const carry = { extend: { plan: 'vip' }, limits: { device_limit: 2 }, revocation: { key: 'jti:j1', expires: now + 3_600_000 } };
      const first = sess('a', 0);
      expect((await reg.login({ session: first, limits: limits(1, 1), kick: [], token: { ...token('a', 'ha'), ...carry }, now })).ok).toBe(true);
      expect(await reg.remove('d', 'n', 'a', first.connId)).toEqual(first);
      expect(await reg.getResumeToken('d', 'n', 'a', now)).toEqual({ ...token('a', 'ha'), ...carry });
      if (!(reg as { checksTokensAtLogin?: boolean }).checksTokensAtLogin) return; // the login flow carries it (src/auth/gateway-token.ts)
      await admit(sess('b', 0));
      // decided under the carried device_limit 2, not the request's 1; the carried extend goes over the client's
      const resumed = sess('a', 0, { extend: { app: 'web' } });
      const r = await login(resumed, limits(1, 1), { resumeHash: 'ha', tokenHash: 'h2' });
      expect(r).toMatchObject({ ok: true, session: { extend: { app: 'web', plan: 'vip' }, limits: carry.limits, revocation: carry.revocation } });
      expect(await reg.getResumeToken('d', 'n', 'a', now)).toEqual({ ...token('a', 'h2'), ...carry });
      await reg.withdraw(resumed, { resumeHash: 'ha' });
      expect(await reg.getResumeToken('d', 'n', 'a', now)).toEqual({ ...token('a', 'ha'), ...carry });
    });

    it('withdraw of a resume in place gives back the presented token; one whose record is gone gives back nothing', async () => {
      const old = sess('a', 2000);
      expect((await login(old, limits(5, 5))).ok).toBe(true);
      const inPlace = sess('a', 1000);
      const r = await login(inPlace, limits(5, 5), { resumeHash: 'h-a', tokenHash: 'h2' });
      expect(r.ok && r.replaced?.connId).toBe(old.connId);
      expect(await reg.withdraw(inPlace, { resumeHash: 'h-a' })).toMatchObject({ ssid: 'a', connId: inPlace.connId });
      expect(await reg.getResumeToken('d', 'n', 'a', now)).toEqual(token('a', 'h-a'));
      // logged out before the withdrawal: its token stays revoked
      const kicked = sess('a', 0);
      expect((await login(kicked, limits(5, 5), { resumeHash: 'h-a', tokenHash: 'h3' })).ok).toBe(true);
      await reg.removeSessions('d', 'n', ['a']);
      expect(await reg.withdraw(kicked, { resumeHash: 'h-a' })).toBeNull();
      expect(await reg.getResumeToken('d', 'n', 'a', now)).toBeNull();
    });

    it('removeSessions by ssid or for the whole account revokes the tokens of those ssids', async () => {
      await admit(sess('a', 3000));
      await admit(sess('b', 2000));
      await admit(sess('c', 1000));
      expect(ssids((await reg.removeSessions('d', 'n', ['nope', 'a'])).sessions)).toEqual(['a']);
      expect(await reg.getResumeToken('d', 'n', 'a', now)).toBeNull();
      expect(await reg.getResumeToken('d', 'n', 'b', now)).not.toBeNull();
      await closed('closed', 'hx');
      expect(await reg.getResumeToken('d', 'n', 'closed', now)).not.toBeNull();
      expect(ssids((await reg.removeSessions('d', 'n', null)).sessions)).toEqual(['b', 'c']);
      expect(await reg.getResumeToken('d', 'n', 'b', now)).toBeNull();
      expect(await reg.getResumeToken('d', 'n', 'closed', now)).toBeNull();
      expect(await listed()).toEqual([]);
    });

    it('removeSessions returns the JWTs carried by the revoked tokens of closed sessions, by ssid and for the whole account, not those of listed ones', async () => {
      const jwt = (key: string) => ({ revocation: { key, expires: now + 3_600_000 } });
      const closedJwt = async (ssid: string, key: string): Promise<void> => {
        const s = sess(ssid, 0);
        expect((await reg.login({ session: s, limits: limits(100, 100), kick: [], token: { ...token(ssid, `h-${ssid}`), ...jwt(key) }, now })).ok).toBe(true);
        expect(await reg.remove('d', 'n', ssid, s.connId)).toEqual(s);
      };
      await closedJwt('x', 'jti:x');
      await closedJwt('y', 'jti:y');
      await closed('plain', 'hp');
      const live = sess('live', 0, jwt('jti:live'));
      expect((await reg.login({ session: live, limits: limits(100, 100), kick: [], token: { ...token('live', 'hl'), ...jwt('jti:live') }, now })).ok).toBe(true);
      const byId = await reg.removeSessions('d', 'n', ['x', 'plain', 'nope']);
      expect(byId).toEqual({ sessions: [], revocations: [jwt('jti:x').revocation] });
      const all = await reg.removeSessions('d', 'n', null);
      expect(ssids(all.sessions)).toEqual(['live']);
      expect(all.revocations).toEqual([jwt('jti:y').revocation]);
      expect(await reg.removeSessions('d', 'n', null)).toEqual({ sessions: [], revocations: [] });
    });

    it('findSessions finds sessions of any account of a domain by ssid', async () => {
      await admit(sess('a', 3000, { name: 'n1' }));
      await admit(sess('b', 2000, { name: 'n2' }));
      await admit(sess('c', 1000, { name: 'n3', domain: 'other' }));
      expect(ssids(await reg.findSessions('d', ['b', 'a', 'c', 'nope']))).toEqual(['a', 'b']);
      expect(ssids(await reg.findSessions('other', ['c']))).toEqual(['c']);
      expect(await reg.findSessions('d', [])).toEqual([]);
    });

    it(`keeps at most ${MAX_IDLE_RESUME_TOKENS} resume tokens of unlisted sessions per account, dropping those expiring first, never those of listed sessions`, async () => {
      await admit(sess('live', 1000));
      // each closed session's token is stored while its session is listed: the cap looks at the next store
      for (let i = 0; i < MAX_IDLE_RESUME_TOKENS + 5; i++) await closed(`idle${i}`, 'h', now + 60_000 + i);
      await admit(sess('x', 0));
      expect(await reg.getResumeToken('d', 'n', 'live', now)).not.toBeNull();
      for (let i = 0; i < 5; i++) expect(await reg.getResumeToken('d', 'n', `idle${i}`, now)).toBeNull();
      for (let i = 5; i < MAX_IDLE_RESUME_TOKENS + 5; i++) expect(await reg.getResumeToken('d', 'n', `idle${i}`, now)).not.toBeNull();
      expect(await reg.getResumeToken('d', 'n', 'x', now)).not.toBeNull();
    });

    it('touch moves refreshTime forward only', async () => {
      const a = await admit(sess('a', 1000));
      const gone = { domain: 'd', name: 'n', ssid: 'gone', connId: 'c0', time: now };
      const otherSocket = { domain: 'd', name: 'n', ssid: 'a', connId: 'not-its-socket', time: now + 9 };
      expect(await reg.touch([{ domain: 'd', name: 'n', ssid: 'a', connId: a.connId, time: now + 5 }, gone, otherSocket])).toEqual([gone, otherSocket]);
      expect((await reg.list('d', 'n'))[0]).toEqual({ ...a, refreshTime: now + 5 });
      expect(await reg.touch([{ domain: 'd', name: 'n', ssid: 'a', connId: a.connId, time: now - 50 }])).toEqual([]);
      expect((await reg.list('d', 'n'))[0]!.refreshTime).toBe(now + 5);
    });

    it('stats counts sessions, accounts with sessions, sessions per domain, live tokens (one per login, plus others) and this gateway', async () => {
      await admit(sess('a', 0, { domain: 'd1', name: 'n1' }));
      await admit(sess('b', 0, { domain: 'd1', name: 'n1' }));
      await admit(sess('c', 0, { domain: 'd1', name: 'n2' }));
      await admit(sess('e', 0, { domain: '', name: 'n1' }));
      await closed('x', 'h', now + 60_000, 'd3', 'n9');
      await closed('y', 'h', now - 1, 'd3', 'n9');
      await reg.putLoginToken('L1', token('', 'h', now + 60_000, 'd1', 'n1'));
      await reg.block('d4', 'n', now + 60_000);
      expect(await reg.stats(Date.now())).toEqual({ sessions: 4, accounts: 3, perDomain: { d1: 3, '': 1 }, gateways: 1, tokens: 6, storedTokens: 6 });
    });

    it('stats tells live from stored tokens; removeExpiredTokens removes the expired ones at once, reports how many, and leaves the live ones', async () => {
      const start = Date.now();
      const soon = start + 2000; // after the five writes and the first count, even on a loaded machine
      await closed('a', 'ha', start + 60_000, 'd', 'n');
      await closed('b', 'hb', soon, 'd', 'n'); // its account keeps a live token
      await closed('c', 'hc', soon, 'd', 'm'); // its account's only token
      await reg.putLoginToken('L1', token('', 'h1', soon));
      await reg.putLoginToken('L2', token('', 'h2', start + 60_000));
      const counts = async () => {
        const s = await reg.stats(Date.now());
        return [s.tokens, s.storedTokens];
      };
      expect(await counts()).toEqual([5, 5]);
      await new Promise((r) => setTimeout(r, soon + 20 - Date.now()));
      expect(await counts()).toEqual([2, 5]);
      expect(await reg.removeExpiredTokens(Date.now())).toBe(3);
      expect(await counts()).toEqual([2, 2]);
      expect(await reg.removeExpiredTokens(Date.now())).toBe(0);
      expect(await reg.getResumeToken('d', 'n', 'a', Date.now())).toMatchObject({ hash: 'ha' });
      expect(await reg.takeLoginToken('L2', 'd', 'n', 'h2', Date.now())).toMatchObject({ hash: 'h2' });
    });

    it('login tokens are single use and die at their expiry', async () => {
      await reg.putLoginToken('L1', token('', 'h1'));
      await reg.putLoginToken('L2', token('', 'h2', now - 1));
      // a wrong secret or account leaves the token usable
      expect(await reg.takeLoginToken('L1', 'd', 'n', 'wrong', now)).toBeNull();
      expect(await reg.takeLoginToken('L1', 'd', 'other', 'h1', now)).toBeNull();
      expect(await reg.takeLoginToken('L1', 'd', 'n', 'h1', now)).toEqual(token('', 'h1'));
      expect(await reg.takeLoginToken('L1', 'd', 'n', 'h1', now)).toBeNull();
      expect(await reg.takeLoginToken('L2', 'd', 'n', 'h2', now)).toBeNull();
      expect(await reg.takeLoginToken('never', 'd', 'n', 'h1', now)).toBeNull();
    });

    if (clusterCases) {
      /** The registry under test as a cluster table (only the cluster entry point sets clusterCases). */
      const cluster = (): ClusterRegistry => reg as ClusterRegistry;

      it('a login withdrawn before the table ran it writes nothing when it runs late; another login of that socket is not affected', async () => {
        const late = sess('a', 0);
        expect(await reg.withdraw(late)).toBeNull(); // the node gave up on it first
        const r = await login(late, limits(1, 1));
        expect(r.ok).toBe(false);
        expect(await listed()).toEqual([]);
        expect(await reg.getResumeToken('d', 'n', 'a', now)).toBeNull();
        // the same socket logs in again later (a new attempt, a new registration time)
        const again = await login({ ...late, ssid: 'b', loginTime: now + 1 }, limits(1, 1), { at: now + 1 });
        expect(again.ok).toBe(true);
        expect(await listed()).toEqual(['b']);
      });

      it('a resume presenting the token another resume just replaced is answered 5104 (try again) for 30 s, then 4115', async () => {
        await closed('a', 'ha');
        expect((await login(sess('a', 0), limits(5, 5), { resumeHash: 'ha', tokenHash: 'h2' })).ok).toBe(true);
        // the login that replaced it may still be withdrawn by its node, which gives the token back
        expect(await login(sess('a', 0), limits(5, 5), { resumeHash: 'ha', tokenHash: 'h3' })).toMatchObject({ ok: false, code: 5104 });
        expect(await login(sess('a', 0), limits(5, 5), { resumeHash: 'other', tokenHash: 'h3' })).toMatchObject({ ok: false, code: 4115 });
        expect(await login(sess('a', 0), limits(5, 5), { resumeHash: 'ha', tokenHash: 'h3', at: now + 30_001 })).toMatchObject({ ok: false, code: 4115 });
        expect(await listed()).toEqual(['a']);
        // the token in force resumes, and the one it replaced is the one answered 5104 now
        expect((await login(sess('a', 0), limits(5, 5), { resumeHash: 'h2', tokenHash: 'h4' })).ok).toBe(true);
        expect(await login(sess('a', 0), limits(5, 5), { resumeHash: 'ha', tokenHash: 'h5' })).toMatchObject({ ok: false, code: 4115 });
        expect(await login(sess('a', 0), limits(5, 5), { resumeHash: 'h2', tokenHash: 'h5' })).toMatchObject({ ok: false, code: 5104 });
      });

      it('withdraw puts back the login token its login took (here the table takes it, in the login step)', async () => {
        await reg.putLoginToken('L1', token('', 'h1'));
        const s = sess('a', 0);
        const r = await reg.login({ session: s, limits: limits(5, 5), kick: [], token: token('a', 'h-a'), now, loginToken: { id: 'L1', hash: 'h1' } });
        expect(r.ok).toBe(true);
        expect(await reg.withdraw(s, { loginToken: { id: 'L1', hash: 'h1' } })).toEqual(s);
        expect(await reg.getResumeToken('d', 'n', 'a', now)).toBeNull();
        expect(await reg.takeLoginToken('L1', 'd', 'n', 'h1', now)).toEqual(token('', 'h1'));
        expect(await reg.takeLoginToken('L1', 'd', 'n', 'h1', now)).toBeNull();
      });

      it('a restore does not put back a login its node withdrew meanwhile, and reports nothing lost', async () => {
        const withdrawn = sess('w', 0);
        expect(await reg.withdraw(withdrawn)).toBeNull();
        expect(await cluster().restore([{ session: withdrawn, limits: limits(5, 5) }], now)).toEqual([]);
        expect(await listed()).toEqual([]);
      });

      it('reap removes only the sessions of that node and keeps their tokens', async () => {
        await admit(sess('a', 2000, { gateway: 'other-node' }));
        await admit(sess('b', 1000));
        await admit(sess('c', 0, { gateway: 'other-node', domain: 'd2' }));
        const removed = await cluster().reap('other-node', Number.MAX_SAFE_INTEGER);
        expect(ssids(removed).sort()).toEqual(['a', 'c']);
        expect(await listed()).toEqual(['b']);
        expect(await reg.getResumeToken('d', 'n', 'a', now)).not.toBeNull();
      });

      it('restore keeps listed sessions, puts back missing ones within the limits and reports the rest', async () => {
        const a = await admit(sess('a', 3000), limits(2, 2));
        const b = sess('b', 2000);
        await admit(sess('x', 1000, { gateway: 'other-node' }), limits(2, 2));
        const lim = limits(2, 2);
        expect(displaced(await cluster().restore([{ session: a, limits: lim }, { session: b, limits: lim }], now))).toEqual(['b']);
        expect(displaced(await cluster().restore([{ session: { ...a, connId: 'not-mine' }, limits: lim }], now))).toEqual(['a']);
        await reg.removeSessions('d', 'n', ['x']);
        expect(await cluster().restore([{ session: b, limits: lim }, { session: a, limits: lim }], now)).toEqual([]);
        expect(await listed()).toEqual(['a', 'b']);
        const c = sess('c', 0, { termtyp: 4, name: 'm' });
        const c2 = sess('c2', 0, { termtyp: 4, name: 'm' });
        expect(displaced(await cluster().restore([{ session: c, limits: lim }, { session: c2, limits: limits(5, 1) }], now))).toEqual(['c2']);
      });

      it('restore drops a listed session that no longer fits next to the others (a login won while its node was away)', async () => {
        const a = await admit(sess('a', 3000), limits(2, 2));
        await admit(sess('y', 1000, { gateway: 'other-node' }), limits(2, 2));
        await admit(sess('z', 500, { gateway: 'other-node' }), limits(3, 3));
        expect(displaced(await cluster().restore([{ session: a, limits: limits(2, 2) }], now))).toEqual(['a']);
        expect(await listed()).toEqual(['y', 'z']);
      });

      it('a login does not count its own record put back by a restore while it was in flight, and a refusal drops it', async () => {
        await admit(sess('o', 1000), limits(1, 1));
        const mine = sess('m1', 0);
        expect(await cluster().restore([{ session: mine, limits: limits(2, 2) }], now)).toEqual([]);
        expect((await login(mine, limits(2, 2))).ok).toBe(true);
        expect(await listed()).toEqual(['o', 'm1']);
        const refused = sess('m2', 0);
        expect(await cluster().restore([{ session: refused, limits: limits(3, 3) }], now)).toEqual([]);
        const r = await login(refused, limits(2, 2));
        expect(r.ok ? [] : ssids(r.blocking)).toEqual(['o', 'm1']);
        expect(await listed()).toEqual(['o', 'm1']);
      });
    }

    it('keeps accounts apart whatever their domain and name contain', async () => {
      const names: [string, string][] = [['a:b', 'c'], ['a', 'b:c'], ['{x}', '*'], ['', 'ü€😀'], ['%41', 'A'], ['A', 'A'], ['tim:', '{']];
      for (const [i, [domain, name]] of names.entries()) await admit(sess(`s${i}`, 0, { domain, name }), limits(1, 1));
      for (const [i, [domain, name]] of names.entries()) expect(await listed(domain, name)).toEqual([`s${i}`]);
      const stats = await reg.stats(Date.now());
      expect([stats.sessions, stats.accounts, stats.perDomain['a:b'], stats.perDomain['{x}']]).toEqual([names.length, names.length, 1, 1]);
    });

    it('a random sequence of logins, resumes, kicks, closes, withdrawals and LOGOUTs answers as MemoryRegistry does; stats agree with the table', async () => {
      for (const seed of [1, 2]) {
        const reference = new MemoryRegistry();
        const t0 = Date.now();
        const want = await randomOps(reference, f.gatewayId, `rnd${seed}`, seed, 400, t0);
        await reference.close();
        expect(await randomOps(reg, f.gatewayId, `rnd${seed}`, seed, 400, t0)).toEqual(want);
      }
      const truth = { sessions: 0, accounts: 0, rnd1: 0, tokens: 0 };
      const at = Date.now();
      for (const domain of ['rnd1', 'rnd2']) {
        for (const name of RANDOM_ACCOUNTS) {
          const n = (await reg.list(domain, name)).length;
          truth.sessions += n;
          if (n > 0) truth.accounts++;
          if (domain === 'rnd1') truth.rnd1 += n;
          for (const ssid of RANDOM_SSIDS) if (await reg.getResumeToken(domain, name, ssid, at)) truth.tokens++;
        }
      }
      const stats = await reg.stats(at);
      expect(truth.sessions).toBeGreaterThan(0);
      expect({ sessions: stats.sessions, accounts: stats.accounts, rnd1: stats.perDomain['rnd1'] ?? 0, tokens: stats.tokens }).toEqual(truth);
    });

    it('concurrent logins never exceed the limits (reject and kick)', async () => {
      const burst = (mode: 'reject' | 'kick', name: string) =>
        Promise.all(Array.from({ length: 40 }, (_, i) => login(sess(`${mode}${i}`, 0, { name, termtyp: 1 + (i % 3) }), limits(3, 2, mode))));
      const rejected = await burst('reject', 'r');
      expect(rejected.filter((r) => r.ok)).toHaveLength(3);
      const kicked = await burst('kick', 'k');
      const accepted = kicked.filter((r) => r.ok);
      const evicted = accepted.flatMap((r) => (r.ok ? r.evicted : []));
      expect(accepted.length - evicted.length).toBe(3);
      expect(await listed('d', 'k')).toHaveLength(3);
    });
  });
}
