/**
 * The indexes and counters that spare cluster mode every table-wide SCAN
 * (README "Cluster mode", costs): per node and slot, the set of accounts where
 * that node holds sessions (a reap reads only those); per slot, counters of
 * sessions, accounts, sessions per domain and resume tokens (stats sum them:
 * one read per slot in Redis Cluster, one in all on a single Redis); per slot
 * of an ssid, the account that holds it (admin requests by ssid). The Lua
 * scripts keep the first two exact (lua/lib.lua settle); the ssid index is
 * written before a login and cleaned after a removal, and every entry is
 * checked against the account when read.
 */
import { Cluster, type Redis } from 'ioredis';
import type { RedisClient } from './redis-connect.js';
import type { RedisKeys } from './redis-keys.js';
import { scripts } from './redis-script.js';
import type { SessionInfo } from './registry.js';

/** Calls in flight at once for table-wide work: all at once made the tail time out and held the event loop. */
export const BATCH = 200;

/** Runs `each` over `items`, `size` at a time, yielding to the event loop between batches. */
export async function inBatches<T>(items: readonly T[], each: (item: T) => Promise<void>, size = BATCH): Promise<void> {
  for (let i = 0; i < items.length; i += size) {
    await Promise.all(items.slice(i, i + size).map(each));
    if (i + size < items.length) await new Promise((r) => setImmediate(r));
  }
}

/** The slots each Redis node serves (Redis Cluster: from the client's slot map; a single Redis: slot 0); node null = slots of no known master. */
export function slotsByNode(client: RedisClient, keys: RedisKeys): { node: Redis | null; slots: number[] }[] {
  if (!(client instanceof Cluster)) return [{ node: client, slots: [0] }];
  const byKey = new Map<string, number[]>();
  client.slots.forEach((nodeKeys, slot) => {
    const key = nodeKeys[0];
    if (key === undefined) return;
    const list = byKey.get(key) ?? [];
    list.push(slot);
    byKey.set(key, list);
  });
  const out: { node: Redis | null; slots: number[] }[] = [];
  const covered = new Set<number>();
  for (const node of client.nodes('master')) {
    const slots = byKey.get(`${node.options.host}:${node.options.port}`) ?? [];
    for (const s of slots) covered.add(s);
    out.push({ node, slots });
  }
  const rest = keys.slots.filter((s) => !covered.has(s));
  if (rest.length) out.push({ node: null, slots: rest });
  return out;
}

/** Table-wide counts read from the per-slot counters (stats adds the live gateways). */
export interface Counts {
  sessions: number;
  accounts: number;
  perDomain: Record<string, number>;
  /** Live resume and login tokens. */
  tokens: number;
  /** Resume and login tokens stored: live, or expired and not yet removed. */
  storedTokens: number;
}

/** Expired token entries one cleanup script handles (cleanup_tokens.lua): about 25 ms of Redis time on a loaded machine. */
export const CLEANUP_STEP = 100;
/** Scripts of one cleanup per Redis node: at most CLEANUP_STEP × CLEANUP_STEPS entries per node and call. */
export const CLEANUP_STEPS = 10;

/** Which sessions are orphans: those of a node not `leased` (in the lease table at all), registered before `before` (ms). */
export interface OrphanRule {
  readonly leased: Readonly<Record<string, 1>>;
  readonly before: number;
}

/** An account, by domain and name. */
export interface Account {
  readonly domain: string;
  readonly name: string;
}

/** The counters and indexes of cluster mode, for one gateway node. */
export class RedisIndex {
  /** "gateway slot" pairs this process has listed (Redis Cluster): each is written once. */
  private listedSlots = new Set<string>();

  constructor(
    private readonly client: RedisClient,
    private readonly keys: RedisKeys,
  ) {}

  /** The keys every changing script settles (lua/lib.lua settle): sessions, tokens, counts, counters. */
  settleKeys(domain: string, name: string): string[] {
    const k = this.keys;
    return [k.sessions(domain, name), k.tokens(domain, name), k.counts(domain, name), k.counters(k.accountSlot(domain, name))];
  }

  /**
   * Before a session is written: the account's slot is listed under the
   * session's node (Redis Cluster; once per slot per process), and the ssid
   * is indexed to the account and socket.
   */
  async beforeWrite(s: SessionInfo): Promise<void> {
    const slot = this.keys.accountSlot(s.domain, s.name);
    const listed = `${s.gateway} ${slot}`;
    const writes: Promise<unknown>[] = [this.client.hset(this.keys.ssidIndex(s.ssid), s.ssid, this.entry(s))];
    if (this.keys.sharded && !this.listedSlots.has(listed)) {
      writes.push(this.client.sadd(this.keys.nodeSlots(s.gateway), slot).then(() => this.listedSlots.add(listed)));
    }
    await Promise.all(writes);
  }

  /** Lists every slot again on the next writes (a rejoin: the reaper may have forgotten the node's slots). */
  forgetListedSlots(): void {
    this.listedSlots.clear();
  }

  /** A session's entry in the ssid index: "<account tag> <connId>". */
  entry(s: Pick<SessionInfo, 'domain' | 'name' | 'connId'>): string {
    return `${this.keys.tag(s.domain, s.name)} ${s.connId}`;
  }

  /** Forgets the ssid index entries of sessions that left the table (unless a resume re-indexed the ssid). */
  async afterRemove(removed: readonly SessionInfo[]): Promise<void> {
    const byKey = new Map<string, string[]>();
    for (const s of removed) {
      const key = this.keys.ssidIndex(s.ssid);
      byKey.set(key, [...(byKey.get(key) ?? []), s.ssid, this.entry(s)]);
    }
    await inBatches([...byKey], async ([key, args]) => void (await scripts.unindex.run(this.client, [key], args)));
  }

  /** The accounts of `domain` that the ssid index names for these ssids. */
  async accountsOfSsids(domain: string, ssids: readonly string[]): Promise<Map<string, Account>> {
    const out = new Map<string, Account>();
    await inBatches([...new Set(ssids)], async (ssid) => {
      const entry = await this.client.hget(this.keys.ssidIndex(ssid), ssid);
      const account = entry === null ? null : this.keys.parseTag(entry.slice(0, entry.indexOf(' ')));
      if (account?.domain === domain) out.set(ssid, account);
    });
    return out;
  }

  /** The accounts where `gateway` holds (or held, the index lags by nothing but a crash) sessions. */
  async accountsOf(gateway: string): Promise<Account[]> {
    const slots = this.keys.sharded ? (await this.client.smembers(this.keys.nodeSlots(gateway))).map(Number) : [0];
    const tags = new Set<string>();
    await inBatches(slots, async (slot) => {
      for (const t of await this.client.smembers(this.keys.nodeIndex(gateway, slot))) tags.add(t);
    });
    return [...tags].map((t) => this.keys.parseTag(t)).filter((a): a is Account => a !== null);
  }

  /**
   * Sums the per-slot counters (and live login tokens) of the whole table:
   * one script per Redis node over the slots it serves; a node whose slots
   * moved meanwhile is read slot by slot.
   */
  async counts(now: number): Promise<Counts> {
    const c: Counts = { sessions: 0, accounts: 0, perDomain: {}, tokens: 0, storedTokens: 0 };
    const add = (flat: (string | number)[]): void => {
      for (let i = 0; i + 1 < flat.length; i += 2) {
        const [field, n] = [String(flat[i]), Number(flat[i + 1])];
        if (field === 's') c.sessions += n;
        else if (field === 'a') c.accounts += n;
        else if (field === 'L' || field === 'R') c.tokens += n;
        else if (field === 'LS' || field === 'RS') c.storedTokens += n;
        else if (field.startsWith('d:')) c.perDomain[field.slice(2)] = (c.perDomain[field.slice(2)] ?? 0) + n;
      }
    };
    await Promise.all(
      slotsByNode(this.client, this.keys).map(async ({ node, slots }) => {
        const prefixes = slots.map((slot) => this.keys.slotPrefix(slot));
        try {
          if (!node) throw new Error('no known master');
          add((await scripts.counts.run(node, [], [now, ...prefixes])) as (string | number)[]);
        } catch {
          await inBatches(prefixes, async (p) => add((await scripts.counts.run(this.client, [`${p}c`], [now, p])) as (string | number)[]));
        }
      }),
    );
    for (const [d, n] of Object.entries(c.perDomain)) if (n === 0) delete c.perDomain[d];
    return c;
  }

  /**
   * Removes expired resume and login tokens now (POST /api/v1/cleanup-tokens),
   * found through the per-slot sorted sets by expiry, never by SCAN: on each
   * Redis node in turn, scripts of CLEANUP_STEP entries until none is left or
   * CLEANUP_STEPS ran (a later call removes the rest), so Redis serves other
   * commands between them. Returns how many tokens it removed; a node that
   * fails (down, or its slots moved) fails the call.
   */
  async cleanupTokens(): Promise<number> {
    let removed = 0;
    for (const { node, slots } of slotsByNode(this.client, this.keys)) {
      if (!node) throw new Error('slots of no known Redis node');
      const args = [this.keys.prefix, CLEANUP_STEP, ...slots.map((slot) => this.keys.slotPrefix(slot))];
      for (let step = 0; step < CLEANUP_STEPS; step++) {
        const [n, handled] = (await scripts.cleanupTokens.run(node, [], args)) as [number, number];
        removed += n;
        if (handled < CLEANUP_STEP) break;
      }
    }
    return removed;
  }

  /**
   * One bounded step of the background reconciliation on one master: SCANs
   * up to `count` keys from `cursor` and settles the accounts found (their
   * share of the counters and indexes; expired resume tokens go; the
   * `orphans` rule's sessions are removed, returned as JSON). Returns the next
   * cursor ("0" when the pass over that master is done).
   */
  async reconcileStep(node: Redis, cursor: string, count: number, orphans: OrphanRule): Promise<{ cursor: string; accounts: number; orphans: string[] }> {
    const [next, found] = await node.scan(cursor, 'MATCH', this.keys.accountPattern, 'COUNT', count);
    const accounts = new Map<string, Account>();
    for (const key of found) {
      const a = this.keys.parseAccountKey(key);
      if (a) accounts.set(this.keys.tag(a.domain, a.name), a);
    }
    const removed: string[] = [];
    const args = [JSON.stringify(orphans.leased), orphans.before];
    await inBatches([...accounts.values()], async ({ domain, name }) => void removed.push(...((await scripts.reconcile.run(this.client, this.settleKeys(domain, name), args)) as string[])));
    return { cursor: next, accounts: accounts.size, orphans: removed };
  }
}
