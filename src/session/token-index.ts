/**
 * Which account the resume token of an ssid belongs to, so that a token
 * presented alone (HTTP introspection, /api/v1/me) is found with one lookup
 * instead of a search of the table. An entry is a pointer, never the
 * authority: the token record of the account (SessionRegistry) decides whether
 * the token is live, so a revoked token whose entry remains is still dead.
 * Entries are written with each login (the token exists for no one before its
 * ACK) and expire with the token.
 */
import type { RedisClient } from './redis-connect.js';
import type { RedisKeys } from './redis-keys.js';

/** Where an ssid's resume token is, and the device it was issued to. */
export interface TokenOwner {
  readonly domain: string;
  readonly name: string;
  readonly resource: string;
  readonly termtyp: number;
}

/** An entry's JSON in Redis (written by RedisTokenIndex, or by login.lua on one Redis). */
export const encodeOwner = (o: TokenOwner): string => JSON.stringify({ domain: o.domain, name: o.name, resource: o.resource, termtyp: o.termtyp });

/** The ssid → account pointers of resume tokens. */
export interface TokenIndex {
  /** Points `ssid` at its account until `expires` (ms). */
  put(ssid: string, owner: TokenOwner, expires: number): Promise<void>;
  /** The account of `ssid`'s resume token, or null. */
  get(ssid: string): Promise<TokenOwner | null>;
  /** Forgets `ssid` (its token was found dead). */
  drop(ssid: string): Promise<void>;
}

/** Every entry is looked at once a minute to drop the expired ones. */
const SWEEP_MS = 60_000;

/** The index of the embedded mode: a map, swept of expired entries every minute. */
export class MemoryTokenIndex implements TokenIndex {
  private readonly entries = new Map<string, { readonly owner: TokenOwner; readonly expires: number }>();
  private readonly sweeper = setInterval(() => this.sweep(Date.now()), SWEEP_MS).unref();

  async put(ssid: string, owner: TokenOwner, expires: number): Promise<void> {
    this.entries.set(ssid, { owner, expires });
  }

  async get(ssid: string): Promise<TokenOwner | null> {
    const e = this.entries.get(ssid);
    return e && e.expires > Date.now() ? e.owner : null;
  }

  async drop(ssid: string): Promise<void> {
    this.entries.delete(ssid);
  }

  /** Drops expired entries; returns how many. */
  sweep(now: number): number {
    let n = 0;
    for (const [ssid, e] of this.entries) if (e.expires <= now && this.entries.delete(ssid)) n++;
    return n;
  }

  /** Entries held (tests, token-stats). */
  get size(): number {
    return this.entries.size;
  }

  close(): void {
    clearInterval(this.sweeper);
  }
}

/** The index of cluster mode: one string key per ssid, expiring with its token. */
export class RedisTokenIndex implements TokenIndex {
  constructor(
    private readonly client: RedisClient,
    private readonly keys: RedisKeys,
  ) {}

  /** `{prefix}ri:{ssid}`. */
  key(ssid: string): string {
    return this.keys.tokenIndex(ssid);
  }

  async put(ssid: string, owner: TokenOwner, expires: number): Promise<void> {
    await this.client.set(this.key(ssid), encodeOwner(owner), 'PXAT', expires);
  }

  async get(ssid: string): Promise<TokenOwner | null> {
    const raw = await this.client.get(this.key(ssid));
    return raw === null ? null : (JSON.parse(raw) as TokenOwner);
  }

  async drop(ssid: string): Promise<void> {
    await this.client.del(this.key(ssid));
  }
}
