/**
 * The cluster-mode session table on Redis: the same semantics as
 * MemoryRegistry (both pass test/registry-conformance.ts), with every decision
 * on one account made by one Lua script (src/session/lua) on the account's
 * hash slot. The ioredis client is injected (src/session/store.ts builds it).
 */
import type { Revocation } from '../auth/authenticator.js';
import { carryOf } from '../auth/token-store.js';
import { defaults } from '../config/defaults.js';
import type { CarriedEvent } from './bus.js';
import type { LeaseView } from './lease.js';
import type { RedisClient } from './redis-connect.js';
import { inBatches, RedisIndex } from './redis-index.js';
import { type RedisKeys, wellFormed } from './redis-keys.js';
import { byAge, decodeAll, decodeSession, encodeSession, encodeToken, isGhost, wellFormedJson } from './redis-records.js';
import { scripts } from './redis-script.js';
import { encodeOwner } from './token-index.js';
import type { ClusterRegistry, LostPlace, RestoreRequest } from './cluster-registry.js';
import type { LoginRequest, LoginResult, LoginUsed, RegistryStats, Removal, SessionInfo, TokenRecord, Touch } from './registry.js';

/** What a RedisRegistry works with. */
export interface RedisRegistryDeps {
  readonly client: RedisClient;
  readonly keys: RedisKeys;
  /** This node's id: `remove` only removes sessions of this node's sockets. */
  readonly gatewayId: string;
  readonly lease: LeaseView;
  /** How long a logout is remembered against a node coming back from a partition (ms); default: the resume tokens' lifetime (resume_timeout). */
  readonly revocationMs?: number;
}

/**
 * How long a resume token replaced by a resume answers 5104 (try again) rather
 * than 4115 when presented (login.lua): the login that replaced it may be
 * withdrawn (answered 5104 by its node) with its withdraw.lua still queued
 * behind that node's other commands, and the withdrawal gives the token back.
 */
const REPLACED_TOKEN_GRACE_MS = 30_000;

/** How long a withdrawn login stays marked (withdraw.lua): past every late resend of it by a Redis Cluster client. */
const WITHDRAWN_MS = 5 * 60_000;

/** The script arguments of a presence event the script publishes itself (Bus.carry): channel and message, "" for none. */
const announceArgs = (a: CarriedEvent | undefined): [string, string] => (a ? [a.channel, a.message] : ['', '']);

/** The session table on Redis (cluster mode). */
export class RedisRegistry implements ClusterRegistry {
  /** Presented tokens are checked inside login.lua: a token login is one script call. */
  readonly checksTokensAtLogin = true;
  private readonly client: RedisClient;
  private readonly keys: RedisKeys;
  private readonly revocationMs: number;
  /** The node indexes, counters and ssid index (no SCAN on any request or periodic path). */
  readonly index: RedisIndex;

  constructor(private readonly deps: RedisRegistryDeps) {
    this.client = deps.client;
    this.keys = deps.keys;
    this.index = new RedisIndex(deps.client, deps.keys);
    this.revocationMs = deps.revocationMs ?? defaults.resume_timeout * 1000;
  }

  /** Runs a write; a failure is reported to the lease so that the node reconciles once Redis answers again. */
  private write<T>(op: Promise<T>): Promise<T> {
    return op.catch((e: unknown) => {
      this.deps.lease.storeFailed();
      throw e;
    });
  }

  /**
   * One Redis: the scripts keep the ssid and token indexes themselves (a token login is one call). Redis Cluster:
   * those live on the ssids' slots, written before the login (ssid) and after it (token), cleaned after a removal.
   */
  private get inline(): boolean {
    return !this.keys.sharded;
  }

  async login(req: LoginRequest): Promise<LoginResult> {
    const { session, limits, now } = req;
    const { inline } = this;
    const [deadTable] = await Promise.all([this.deps.lease.dead(now), inline ? null : this.write(this.index.beforeWrite(session))]);
    const dead = JSON.stringify(deadTable);
    const { domain, name, ssid } = session;
    const [sessions, tokens, counts, counters] = this.index.settleKeys(domain, name);
    const loginToken = req.loginToken ?? { id: '', hash: '' };
    const keys = [sessions!, tokens!, this.keys.block(domain, name), counts!, counters!, this.keys.revocations(domain, name), this.keys.loginToken(domain, name, loginToken.id), this.keys.loginTokenList(domain, name)];
    if (inline) keys.push(this.keys.ssidIndex(ssid), this.keys.tokenIndex(ssid));
    const reply = (await this.write(scripts.login.run(this.client, keys, [
      encodeSession(session, now),
      now,
      dead,
      limits.deviceLimit,
      limits.typeLimit,
      limits.mode,
      limits.minAgeMs,
      req.resumeHash ?? '',
      encodeToken(req.token),
      req.token.expires,
      now + this.revocationMs,
      loginToken.id,
      loginToken.hash,
      inline ? this.index.entry(session) : '',
      inline ? encodeOwner(session) : '',
      now + REPLACED_TOKEN_GRACE_MS,
      ...announceArgs(req.announce),
      ...req.kick.map(wellFormed),
    ]))) as [string, ...unknown[]];
    if (reply[0] === 'ok') {
      const [, removed, evicted, replaced, stored] = reply as [string, string[], string[], string, string];
      const result = { ok: true as const, removed: decodeAll(removed), evicted: decodeAll(evicted), replaced: replaced ? decodeSession(replaced) : null, session: decodeSession(stored), indexed: inline };
      if (!inline) await this.unindex([...result.removed, ...result.evicted]);
      return result;
    }
    const [, code, blocking, removed] = reply as [string, 4110 | 4111 | 4115 | 5104, string[], string[]];
    // a refused resume leaves the index entry: the ssid may still be listed under its old socket
    if (!inline) await this.unindex([...decodeAll(removed), ...(req.resumeHash === undefined ? [session] : [])]);
    return { ok: false, code, blocking: decodeAll(blocking), removed: decodeAll(removed) };
  }

  async remove(domain: string, name: string, ssid: string, connId: string, announce?: CarriedEvent): Promise<SessionInfo | null> {
    const keys = [...this.index.settleKeys(domain, name), ...(this.inline ? [this.keys.ssidIndex(ssid)] : [])];
    const raw = await this.write(scripts.remove.run(this.client, keys, [ssid, connId, this.deps.gatewayId, ...announceArgs(announce)]));
    const removed = typeof raw === 'string' ? decodeSession(raw) : null;
    if (removed && !this.inline) await this.unindex([removed]);
    return removed;
  }

  async withdraw(s: SessionInfo, used: LoginUsed = {}, announce?: CarriedEvent): Promise<SessionInfo | null> {
    const now = Date.now();
    const { domain, name } = s;
    const loginTokenId = used.loginToken?.id ?? '';
    const keys = [...this.index.settleKeys(domain, name), this.keys.revocations(domain, name), this.keys.loginToken(domain, name, loginTokenId), this.keys.loginTokenList(domain, name)];
    // EVAL, not EVALSHA: it runs as soon as Redis reaches it on this connection, not a NOSCRIPT round trip later (a retry of
    // the login through another node may still come first: login.lua answers it 5104 while the replaced token is fresh)
    const raw = await this.write(scripts.withdraw.runInOrder(this.client, keys, [s.ssid, s.connId, this.deps.gatewayId, s.loginTime, now, now + WITHDRAWN_MS, loginTokenId, used.resumeHash ?? '', ...announceArgs(announce)]));
    const removed = typeof raw === 'string' ? decodeSession(raw) : null;
    if (removed) await this.unindex([removed]);
    return removed;
  }

  async removeSessions(domain: string, name: string, ssids: readonly string[] | null): Promise<Removal> {
    const now = Date.now();
    const dead = JSON.stringify(await this.deps.lease.dead(now));
    const args = [dead, ssids === null ? 'all' : 'list', now, now + this.revocationMs, ...(ssids ?? []).map(wellFormed)];
    // (on one Redis the ssid index is one hash, whatever the ssid)
    const keys = [...this.index.settleKeys(domain, name), this.keys.revocations(domain, name), ...(this.inline ? [this.keys.ssidIndex('')] : [])];
    const [raws, ghosts, closed] = (await this.write(scripts.removeSessions.run(this.client, keys, args))) as [string[], string[], string[]];
    const removed = decodeAll(raws).sort(byAge);
    if (!this.inline) await this.unindex([...removed, ...decodeAll(ghosts)]);
    return { sessions: removed, revocations: closed.map((r) => JSON.parse(r) as Revocation) };
  }

  async list(domain: string, name: string): Promise<SessionInfo[]> {
    const now = Date.now();
    const [raws, dead] = await Promise.all([this.client.hvals(this.keys.sessions(domain, name)), this.deps.lease.dead(now)]);
    return raws.filter((r) => !isGhost(r, dead)).map(decodeSession).sort(byAge);
  }

  async touch(touches: readonly Touch[]): Promise<Touch[]> {
    const byAccount = new Map<string, Touch[]>();
    for (const t of touches) {
      const key = this.keys.sessions(t.domain, t.name);
      byAccount.set(key, [...(byAccount.get(key) ?? []), t]);
    }
    // A session missing from the table may be one this node's rejoin has not
    // put back yet (its lease lapsed): those are reported only when the lease
    // was healthy, and no rejoin ran, for the whole call.
    const { lease } = this.deps;
    const generation = lease.generation;
    const settled = lease.settled(Date.now());
    const results: { gone: Touch[]; taken: Touch[] }[] = [];
    await inBatches([...byAccount], async ([key, list]) => {
      const args = list.flatMap((t) => [wellFormed(t.ssid), t.connId, t.time]);
      const [gone, taken] = (await this.write(scripts.touch.run(this.client, [key], args))) as [number[], number[]];
      results.push({ gone: gone.map((i) => list[i - 1]!), taken: taken.map((i) => list[i - 1]!) });
    });
    const sure = settled && lease.settled(Date.now()) && lease.generation === generation;
    const missing = new Set(results.flatMap((r) => (sure ? [...r.taken, ...r.gone] : r.taken)));
    return touches.filter((t) => missing.has(t));
  }

  async stats(now: number): Promise<RegistryStats> {
    const [counts, gateways] = await Promise.all([this.index.counts(now), this.deps.lease.live(now)]);
    return { ...counts, gateways };
  }

  async removeExpiredTokens(): Promise<number> {
    return this.index.cleanupTokens();
  }

  /** Forgets ssid index entries of removed sessions; a failure only leaves entries that every read checks. */
  private async unindex(removed: readonly SessionInfo[]): Promise<void> {
    if (removed.length) await this.index.afterRemove(removed).catch(() => {});
  }

  async getResumeToken(domain: string, name: string, ssid: string, now: number): Promise<TokenRecord | null> {
    const raw = await this.client.hget(this.keys.tokens(domain, name), ssid);
    if (raw === null) return null;
    const rec = JSON.parse(raw) as Pick<TokenRecord, 'hash' | 'expires' | 'extend' | 'limits' | 'revocation'>;
    return rec.expires > now ? { domain, name, ssid, hash: rec.hash, expires: rec.expires, ...carryOf(rec) } : null;
  }

  async findSessions(domain: string, ssids: readonly string[]): Promise<SessionInfo[]> {
    if (ssids.length === 0) return [];
    const wanted = ssids.map(wellFormed);
    const [accounts, dead] = await Promise.all([this.index.accountsOfSsids(domain, wanted), this.deps.lease.dead(Date.now())]);
    const raws: string[] = [];
    await inBatches([...accounts], async ([ssid, { name }]) => {
      const raw = await this.client.hget(this.keys.sessions(domain, name), ssid);
      if (raw !== null && !isGhost(raw, dead)) raws.push(raw);
    });
    return raws.map(decodeSession).filter((s) => s.domain === domain).sort(byAge);
  }

  async putLoginToken(id: string, rec: TokenRecord): Promise<void> {
    const ttl = rec.expires - Date.now();
    const keys = [this.keys.loginToken(rec.domain, rec.name, id), this.keys.loginTokenList(rec.domain, rec.name)];
    if (ttl > 0) await scripts.putLoginToken.run(this.client, keys, [wellFormedJson(rec), id, rec.expires, Date.now()]);
  }

  async takeLoginToken(id: string, domain: string, name: string, hash: string, now: number): Promise<TokenRecord | null> {
    const keys = [this.keys.loginToken(domain, name, id), this.keys.loginTokenList(domain, name)];
    const raw = (await scripts.takeLoginToken.run(this.client, keys, [domain, name, hash, id])) as string | null;
    if (raw === null) return null;
    const rec = JSON.parse(raw) as TokenRecord;
    return rec.expires > now ? rec : null;
  }

  async block(domain: string, name: string, until: number): Promise<void> {
    const key = this.keys.block(domain, name);
    if (until > Date.now()) await this.client.set(key, String(until), 'PXAT', until);
    else await this.client.del(key);
  }

  async restore(entries: readonly RestoreRequest[], now: number): Promise<LostPlace[]> {
    const dead = JSON.stringify(await this.deps.lease.dead(now));
    const lost: LostPlace[] = [];
    // indexed first, so that the scripts of one account run in the order of `entries`
    await inBatches(entries, ({ session }) => this.index.beforeWrite(session));
    await inBatches(entries, async ({ session: s, limits }) => {
      const keys = [...this.index.settleKeys(s.domain, s.name), this.keys.block(s.domain, s.name), this.keys.revocations(s.domain, s.name)];
      const result = await scripts.restore.run(this.client, keys, [encodeSession(s, now), now, dead, limits.deviceLimit, limits.typeLimit]);
      if (result === 0 || result === 2) lost.push({ session: s, reason: result === 2 ? 'revoked' : 'displaced' });
    });
    return lost;
  }

  /** Forgets orphans the background reconciliation removed (their JSON): unindexed, returned for their OFFLINE events. */
  async forgetOrphans(raws: readonly string[]): Promise<SessionInfo[]> {
    const removed = raws.map(decodeSession);
    await this.unindex(removed);
    return removed;
  }

  /** Only the accounts the node index of `gateway` names are read. */
  async reap(gateway: string, before: number): Promise<SessionInfo[]> {
    const removed: SessionInfo[] = [];
    await inBatches(await this.index.accountsOf(gateway), async ({ domain, name }) => {
      removed.push(...decodeAll(await scripts.reap.run(this.client, this.index.settleKeys(domain, name), [gateway, before])));
    });
    await this.unindex(removed);
    return removed;
  }

  async close(): Promise<void> {
    // the client belongs to whoever injected it (src/session/store.ts)
  }
}
