/**
 * The cluster-mode session table on Redis: the same semantics as
 * MemoryRegistry (both pass test/registry-conformance.ts), with every decision
 * on one account made by one Lua script (src/session/lua) on the account's
 * hash slot. The ioredis client is injected (src/session/store.ts builds it).
 */
import type { Redis } from 'ioredis';
import type { LeaseView } from './lease.js';
import { type RedisKeys, wellFormed } from './redis-keys.js';
import { scripts } from './redis-script.js';
import type { LoginRequest, LoginResult, RegistryStats, RestoreRequest, SessionInfo, SessionRegistry, TokenRecord, Touch } from './registry.js';

/**
 * Scripts in flight at once for table-wide work (touch, restore, reap): one
 * small script per account or session. All at once made the tail time out on
 * large tables (so a rejoin never completed) and held the event loop.
 */
const BATCH = 200;

/** Runs `each` over `items`, BATCH at a time, yielding to the event loop between batches. */
async function inBatches<T>(items: readonly T[], each: (item: T) => Promise<void>): Promise<void> {
  for (let i = 0; i < items.length; i += BATCH) {
    await Promise.all(items.slice(i, i + BATCH).map(each));
    if (i + BATCH < items.length) await new Promise((r) => setImmediate(r));
  }
}

/** What a RedisRegistry works with. */
export interface RedisRegistryDeps {
  readonly client: Redis;
  readonly keys: RedisKeys;
  /** This node's id: `remove` only removes sessions of this node's sockets. */
  readonly gatewayId: string;
  readonly lease: LeaseView;
}

const byAge = (a: SessionInfo, b: SessionInfo): number => a.loginTime - b.loginTime || (a.ssid < b.ssid ? -1 : 1);

/** A session's JSON in Redis: the record plus `reg`, when its node (re)registered it. */
function encodeSession(s: SessionInfo, reg: number): string {
  const { ssid, domain, name, resource, termtyp, loginTime, refreshTime, ip, gateway, connId, extend } = s;
  const rec = { ssid, domain, name, resource, termtyp, loginTime, refreshTime, ip, gateway, connId, ...(extend ? { extend } : {}), reg };
  return JSON.stringify(rec, (_k, v: unknown) => (typeof v === 'string' ? wellFormed(v) : v));
}

function decodeSession(raw: string): SessionInfo {
  const { reg: _reg, ...s } = JSON.parse(raw) as SessionInfo & { reg: number };
  return s;
}

/** A resume token's JSON in Redis (the account and ssid are in the key and field). */
const encodeToken = (rec: TokenRecord): string => JSON.stringify({ hash: rec.hash, expires: rec.expires });

const decodeAll = (raws: unknown): SessionInfo[] => (raws as string[]).map(decodeSession);

function isGhost(raw: string, dead: Record<string, number>): boolean {
  const s = JSON.parse(raw) as { gateway: string; reg?: number };
  const expiry = dead[s.gateway];
  return expiry !== undefined && (s.reg ?? 0) < expiry;
}

/** SessionRegistry on Redis (cluster mode). */
export class RedisRegistry implements SessionRegistry {
  private readonly client: Redis;
  private readonly keys: RedisKeys;

  constructor(private readonly deps: RedisRegistryDeps) {
    this.client = deps.client;
    this.keys = deps.keys;
  }

  /** Runs a write; a failure is reported to the lease so that the node reconciles once Redis answers again. */
  private async write<T>(op: Promise<T>): Promise<T> {
    try {
      return await op;
    } catch (e) {
      this.deps.lease.storeFailed();
      throw e;
    }
  }

  private accountKeys(domain: string, name: string): string[] {
    return [this.keys.sessions(domain, name), this.keys.tokens(domain, name), this.keys.block(domain, name)];
  }

  async login(req: LoginRequest): Promise<LoginResult> {
    const { session, limits, now } = req;
    const dead = JSON.stringify(await this.deps.lease.dead(now));
    const reply = (await this.write(scripts.login.run(this.client, this.accountKeys(session.domain, session.name), [
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
      ...req.kick.map(wellFormed),
    ]))) as [string, ...unknown[]];
    if (reply[0] === 'ok') {
      const [, removed, evicted, replaced] = reply as [string, string[], string[], string];
      return { ok: true, removed: decodeAll(removed), evicted: decodeAll(evicted), replaced: replaced ? decodeSession(replaced) : null };
    }
    const [, code, blocking, removed] = reply as [string, 4110 | 4111 | 4115, string[], string[]];
    return { ok: false, code, blocking: decodeAll(blocking), removed: decodeAll(removed) };
  }

  async remove(domain: string, name: string, ssid: string, connId: string): Promise<SessionInfo | null> {
    const raw = await this.write(scripts.remove.run(this.client, [this.keys.sessions(domain, name)], [ssid, connId, this.deps.gatewayId]));
    return typeof raw === 'string' ? decodeSession(raw) : null;
  }

  async removeSessions(domain: string, name: string, ssids: readonly string[] | null): Promise<SessionInfo[]> {
    const dead = JSON.stringify(await this.deps.lease.dead(Date.now()));
    const args = ssids === null ? [dead, 'all'] : [dead, 'list', ...ssids.map(wellFormed)];
    const raws = await this.write(scripts.removeSessions.run(this.client, [this.keys.sessions(domain, name), this.keys.tokens(domain, name)], args));
    return decodeAll(raws).sort(byAge);
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
      const list = byAccount.get(key) ?? [];
      list.push(t);
      byAccount.set(key, list);
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
    const dead = JSON.stringify(await this.deps.lease.dead(now));
    const accounts = new Map<string, { domain: string; name: string }>();
    let loginTokens = 0;
    await this.scan(this.keys.accountPattern, (key) => {
      const acc = this.keys.parseAccountKey(key);
      if (acc) accounts.set(this.keys.tag(acc.domain, acc.name), acc);
    });
    await this.scan(this.keys.loginTokenPattern, () => loginTokens++);
    const perDomain: Record<string, number> = {};
    let sessions = 0;
    let withSessions = 0;
    let tokens = loginTokens;
    await Promise.all(
      [...accounts.values()].map(async ({ domain, name }) => {
        const [n, t] = (await scripts.stats.run(this.client, [this.keys.sessions(domain, name), this.keys.tokens(domain, name)], [now, dead])) as [number, number];
        tokens += t;
        if (n === 0) return;
        sessions += n;
        withSessions++;
        perDomain[domain] = (perDomain[domain] ?? 0) + n;
      }),
    );
    return { sessions, accounts: withSessions, perDomain, gateways: await this.deps.lease.live(now), tokens };
  }

  /** Calls `each` for every key matching `pattern` (keys may repeat: SCAN's guarantee). */
  private async scan(pattern: string, each: (key: string) => void): Promise<void> {
    let cursor = '0';
    do {
      const [next, keys] = await this.client.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
      for (const k of keys) each(k);
      cursor = next;
    } while (cursor !== '0');
  }

  async putResumeToken(rec: TokenRecord): Promise<void> {
    await scripts.putToken.run(this.client, [this.keys.tokens(rec.domain, rec.name), this.keys.sessions(rec.domain, rec.name)], [rec.ssid, encodeToken(rec), rec.expires, Date.now()]);
  }

  async getResumeToken(domain: string, name: string, ssid: string, now: number): Promise<TokenRecord | null> {
    const raw = await this.client.hget(this.keys.tokens(domain, name), ssid);
    if (raw === null) return null;
    const { hash, expires } = JSON.parse(raw) as { hash: string; expires: number };
    return expires > now ? { domain, name, ssid, hash, expires } : null;
  }

  async findSessions(domain: string, ssids: readonly string[]): Promise<SessionInfo[]> {
    if (ssids.length === 0) return [];
    const keys: string[] = [];
    await this.scan(this.keys.domainSessionsPattern(domain), (k) => keys.push(k));
    const [found, dead] = await Promise.all([
      Promise.all([...new Set(keys)].map((k) => this.client.hmget(k, ...ssids.map(wellFormed)))),
      this.deps.lease.dead(Date.now()),
    ]);
    const raws = found.flat().filter((r): r is string => r !== null && !isGhost(r, dead));
    return raws.map(decodeSession).filter((s) => s.domain === domain).sort(byAge);
  }

  async putLoginToken(id: string, rec: TokenRecord): Promise<void> {
    const ttl = rec.expires - Date.now();
    if (ttl > 0) await this.client.set(this.keys.loginToken(id), JSON.stringify(rec), 'PX', ttl);
  }

  async takeLoginToken(id: string, domain: string, name: string, hash: string, now: number): Promise<TokenRecord | null> {
    const raw = (await scripts.takeLoginToken.run(this.client, [this.keys.loginToken(id)], [domain, name, hash])) as string | null;
    if (raw === null) return null;
    const rec = JSON.parse(raw) as TokenRecord;
    return rec.expires > now ? rec : null;
  }

  async block(domain: string, name: string, until: number): Promise<void> {
    const key = this.keys.block(domain, name);
    if (until > Date.now()) await this.client.set(key, String(until), 'PXAT', until);
    else await this.client.del(key);
  }

  async restore(entries: readonly RestoreRequest[], now: number): Promise<SessionInfo[]> {
    const dead = JSON.stringify(await this.deps.lease.dead(now));
    const displaced: SessionInfo[] = [];
    await inBatches(entries, async ({ session: s, limits }) => {
      const ok = await scripts.restore.run(this.client, [this.keys.sessions(s.domain, s.name)], [encodeSession(s, now), now, dead, limits.deviceLimit, limits.typeLimit]);
      if (ok !== 1) displaced.push(s);
    });
    return displaced;
  }

  async removeGateway(gateway: string): Promise<SessionInfo[]> {
    return this.reap(gateway, Number.MAX_SAFE_INTEGER);
  }

  /** Removes the sessions of `gateway` registered before `before` (ms), scanning every account. */
  async reap(gateway: string, before: number): Promise<SessionInfo[]> {
    const keys = new Set<string>();
    await this.scan(this.keys.accountPattern, (k) => {
      if (k.endsWith(':s')) keys.add(k);
    });
    const removed: SessionInfo[] = [];
    await inBatches([...keys], async (k) => {
      removed.push(...decodeAll(await scripts.reap.run(this.client, [k], [gateway, before])));
    });
    return removed;
  }

  async close(): Promise<void> {
    // the client belongs to whoever injected it (src/session/store.ts)
  }
}
