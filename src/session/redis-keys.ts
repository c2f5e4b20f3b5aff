/**
 * The key layout of cluster mode. Everything of one account shares one hash
 * slot through the tag `{domain:name}` (both parts percent-encoded, so no
 * character of a name can end the tag or fake a separator), which keeps each
 * login script on one slot of a Redis Cluster. The per-slot keys (counters,
 * node indexes, ssid index, login token list) carry a tag of their slot
 * (src/session/key-slot.ts) in Redis Cluster, and are one key each on a
 * single Redis.
 */
import { isWellFormed, loneSurrogates } from '../policy/clean-text.js';
import { keySlot, SLOTS, slotTag } from './key-slot.js';

const loneSurrogate = loneSurrogates('g');

/** `s` with lone UTF-16 surrogates replaced by U+FFFD (what UTF-8 on the wire makes of them anyway). */
export function wellFormed(s: string): string {
  return s.replace(loneSurrogate, '\ufffd');
}

/** Splits a string around its lone surrogates, keeping them. */
const loneSurrogateSplit = new RegExp(`(${loneSurrogates().source})`);

/**
 * Percent-encoding of a key part: only A-Z a-z 0-9 - _ . ! ~ * ' ( ) stay as
 * they are; a lone surrogate becomes `%uXXXX`, so it never shares a key with
 * U+FFFD (`%EF%BF%BD`).
 */
export function keyPart(s: string): string {
  if (isWellFormed(s)) return encodeURIComponent(s);
  return s
    .split(loneSurrogateSplit)
    .map((part, i) => (i % 2 ? `%u${part.charCodeAt(0).toString(16).toUpperCase()}` : encodeURIComponent(part)))
    .join('');
}

/** The inverse of keyPart. */
export function parseKeyPart(s: string): string {
  return s.replace(/%u([0-9A-F]{4})|(?:%[0-9A-F]{2})+/g, (seq, unit: string | undefined) => (unit ? String.fromCharCode(parseInt(unit, 16)) : decodeURIComponent(seq)));
}

/** Key names under a prefix (redis.prefix, default "tim:"). */
export class RedisKeys {
  constructor(
    readonly prefix: string,
    /** True on Redis Cluster: per-slot keys, one per hash slot. */
    readonly sharded = false,
  ) {}

  /** The last account whose tag was built, and that tag: the keys of one operation are all of one account. */
  private lastDomain = '';
  private lastName = '';
  private lastTag = '{:}';

  /** `{domain:name}`: the hash tag of an account. */
  tag(domain: string, name: string): string {
    if (domain !== this.lastDomain || name !== this.lastName) {
      this.lastDomain = domain;
      this.lastName = name;
      this.lastTag = `{${keyPart(domain)}:${keyPart(name)}}`;
    }
    return this.lastTag;
  }

  /** Hash ssid -> session JSON. */
  sessions(domain: string, name: string): string {
    return `${this.prefix}${this.tag(domain, name)}:s`;
  }

  /** Hash ssid -> resume token JSON. */
  tokens(domain: string, name: string): string {
    return `${this.prefix}${this.tag(domain, name)}:t`;
  }

  /** String: ms until which logins are refused (expires then). */
  block(domain: string, name: string): string {
    return `${this.prefix}${this.tag(domain, name)}:b`;
  }

  /**
   * Hash ssid -> JSON {expires, at}: sessions of the account logged out
   * lately ("*": every session logged in by `at`), which a node coming back
   * from a partition must not put back (lua/lib.lua revoke).
   */
  revocations(domain: string, name: string): string {
    return `${this.prefix}${this.tag(domain, name)}:r`;
  }

  /** Hash: this account's share of its slot's counters (s, t, dom, g:<gateway>; lua/lib.lua settle). */
  counts(domain: string, name: string): string {
    return `${this.prefix}${this.tag(domain, name)}:n`;
  }

  /** The slot an account's keys live on (0 on a single Redis). */
  accountSlot(domain: string, name: string): number {
    return this.sharded ? keySlot(this.tag(domain, name)) : 0;
  }

  /** The slot of an arbitrary key (0 on a single Redis). */
  slotOfKey(key: string): number {
    return this.sharded ? keySlot(key) : 0;
  }

  /** Every slot that has per-slot keys: all 16384 in Redis Cluster, one on a single Redis. */
  get slots(): number[] {
    return this.sharded ? Array.from({ length: SLOTS }, (_, i) => i) : [0];
  }

  /** Start of the per-slot keys of `slot`. */
  slotPrefix(slot: number): string {
    return this.sharded ? `${this.prefix}{${slotTag(slot)}}:` : this.prefix;
  }

  /** Hash: the table-wide counters' share of one slot (s sessions, a accounts, t tokens, d:<domain>). */
  counters(slot: number): string {
    return `${this.slotPrefix(slot)}c`;
  }

  /** Set of account tags on `slot` where `gateway` holds sessions (lua/lib.lua settle keeps it). */
  nodeIndex(gateway: string, slot: number): string {
    return `${this.slotPrefix(slot)}g:${gateway}`;
  }

  /** Set of the slots on which `gateway` may have indexed sessions (a superset; same slot as `gateways`). */
  nodeSlots(gateway: string): string {
    return `${this.prefix}{gateways}:slots:${keyPart(gateway)}`;
  }

  /** Hash ssid -> "<account tag> <connId>": which account holds an ssid (admin requests by ssid). */
  ssidIndex(ssid: string): string {
    return `${this.slotPrefix(this.slotOfKey(wellFormed(ssid)))}x`;
  }

  /** Sorted set of the login token ids of an account's slot, scored by expiry. */
  loginTokenList(domain: string, name: string): string {
    return this.slotLoginTokens(this.accountSlot(domain, name));
  }

  /** Sorted set of the login token ids of one slot (see loginTokenList). */
  slotLoginTokens(slot: number): string {
    return `${this.slotPrefix(slot)}lz`;
  }

  /**
   * String: a single-use login token of an account (expires with it). On the
   * account's slot, found from the AUTH that presents it (its domain and name
   * with the token's id), so the login script takes it in the same step.
   */
  loginToken(domain: string, name: string, id: string): string {
    return `${this.prefix}${this.tag(domain, name)}:l:${keyPart(id)}`;
  }

  /** String: the account of an ssid's resume token, JSON (src/session/token-index.ts; expires with the token). */
  tokenIndex(ssid: string): string {
    return `${this.prefix}ri:${keyPart(ssid)}`;
  }

  /** Sorted set: gateway id -> lease expiry (ms). */
  get gateways(): string {
    return `${this.prefix}{gateways}`;
  }

  /** Which process holds `gateway`'s lease: "<instance>:<renewal count>", expiring with the lease (same slot as `gateways`). */
  leaseOwner(gateway: string): string {
    return `${this.prefix}{gateways}:owner:${keyPart(gateway)}`;
  }

  /** Lock taken by the one node that runs a pass of the background reconciliation (src/session/reconciler.ts). */
  get reconcileLock(): string {
    return `${this.prefix}reconcile`;
  }

  /** Lock taken by the one node that reaps a dead node. */
  reapLock(gateway: string): string {
    return `${this.prefix}reap:${keyPart(gateway)}`;
  }

  /** Pub/sub channel of the commands for one node. */
  nodeChannel(gateway: string): string {
    return `${this.prefix}node:${keyPart(gateway)}`;
  }

  /** Pub/sub channel of presence events (ADMSUB). */
  get eventChannel(): string {
    return `${this.prefix}events`;
  }

  /** SCAN pattern of the sessions and counts hashes of every account (the background reconciliation). */
  get accountPattern(): string {
    return `${globEscape(this.prefix)}{*}:[sn]`;
  }

  /** The domain and name of an account tag `{domain:name}`, or null. */
  parseTag(tag: string): { domain: string; name: string } | null {
    const m = /^\{([^{}:]*):([^{}:]*)\}$/.exec(tag);
    return m ? { domain: parseKeyPart(m[1]!), name: parseKeyPart(m[2]!) } : null;
  }

  /** Splits an account key back into its domain, name and kind, or null when it is not one. */
  parseAccountKey(key: string): { domain: string; name: string; kind: string } | null {
    if (!key.startsWith(this.prefix)) return null;
    const m = /^\{([^{}:]*):([^{}:]*)\}:([stbn])$/.exec(key.slice(this.prefix.length));
    if (!m) return null;
    return { domain: parseKeyPart(m[1]!), name: parseKeyPart(m[2]!), kind: m[3]! };
  }
}

function globEscape(s: string): string {
  return s.replace(/[*?[\]\\]/g, '\\$&');
}
