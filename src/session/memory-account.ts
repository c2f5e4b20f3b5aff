/**
 * One account of the embedded session table (src/session/memory-registry.ts),
 * laid out for the decision path: a small array of fixed-shape slots, one per
 * ssid, each holding that ssid's listed session and/or its resume token. A
 * login writes its fields into a freed slot in place (a kick-mode login reuses
 * the slot of the session it evicts), so the table keeps no per-login record:
 * records that outlive a young-generation GC cycle (every one, with 100,000
 * accounts) were a third of a decision's time. Results hand out fresh
 * SessionInfo / TokenRecord objects built from the slots.
 */
import type { LimitsOverride, Revocation } from '../auth/authenticator.js';
import type { PolicySession } from '../policy/login-policy.js';
import { carryOf } from '../auth/token-store.js';
import { MAX_IDLE_RESUME_TOKENS, type SessionInfo, type TokenRecord } from './registry.js';

type Extend = Readonly<Record<string, string>>;

/** One ssid of an account: its session (when `listed`) and its resume token (when `tokenHash` is not ''). Neither: free for reuse. */
export class Slot implements PolicySession {
  ssid: string;
  listed = false;
  resource = '';
  termtyp = 0;
  loginTime = 0;
  refreshTime = 0;
  ip = '';
  gateway = '';
  connId = '';
  extend: Extend | undefined = undefined;
  limits: LimitsOverride | undefined = undefined;
  revocation: Revocation | undefined = undefined;
  /** The resume token's hash; '' = no token. */
  tokenHash = '';
  tokenExpires = 0;
  /** What the resume token carries of the session's identity (TokenRecord). */
  tokenExtend: Extend | undefined = undefined;
  tokenLimits: LimitsOverride | undefined = undefined;
  tokenRevocation: Revocation | undefined = undefined;

  constructor(ssid: string) {
    this.ssid = ssid;
  }

  /** Lists `s` in this slot (the ssid is the slot's). */
  list(s: SessionInfo): void {
    this.listed = true;
    this.resource = s.resource;
    this.termtyp = s.termtyp;
    this.loginTime = s.loginTime;
    this.refreshTime = s.refreshTime;
    this.ip = s.ip;
    this.gateway = s.gateway;
    this.connId = s.connId;
    this.extend = s.extend;
    this.limits = s.limits;
    this.revocation = s.revocation;
  }

  /** Stores a resume token in this slot. */
  keepToken(t: TokenRecord): void {
    this.tokenHash = t.hash;
    this.tokenExpires = t.expires;
    this.tokenExtend = t.extend;
    this.tokenLimits = t.limits;
    this.tokenRevocation = t.revocation;
  }

  /** Revokes the resume token. */
  dropToken(): void {
    this.tokenHash = '';
    this.tokenExtend = undefined;
    this.tokenLimits = undefined;
    this.tokenRevocation = undefined;
  }
}

/** The slots and block of one account. */
export class Account {
  readonly slots: Slot[] = [];
  /** No token expires before this (ms; a lower bound): until then the tokens need no scan for expired ones. */
  tokensValidUntil = Infinity;
  blockedUntil = 0;

  constructor(
    readonly domain: string,
    readonly name: string,
  ) {}

  /** The slot of `ssid` (listed, tokened or free), if any. */
  find(ssid: string): Slot | undefined {
    const slots = this.slots;
    for (let i = 0; i < slots.length; i++) if (slots[i]!.ssid === ssid) return slots[i];
    return undefined;
  }

  /** The listed session of `ssid`, if any. */
  session(ssid: string): Slot | undefined {
    const s = this.find(ssid);
    return s?.listed ? s : undefined;
  }

  /** The slot for `ssid`: its own, else a free one (renamed), else a new one. */
  claim(ssid: string): Slot {
    const own = this.find(ssid);
    if (own) return own;
    for (const s of this.slots) {
      if (!s.listed && s.tokenHash === '') {
        s.ssid = ssid;
        return s;
      }
    }
    const s = new Slot(ssid);
    this.slots.push(s);
    return s;
  }

  /** Whether the account holds no session, no token and no block (it can leave the table). */
  empty(now: number): boolean {
    if (this.blockedUntil > now) return false;
    for (const s of this.slots) if (s.listed || s.tokenHash !== '') return false;
    return true;
  }

  /** The session of slot `s` as a record (a new object each time). */
  record(s: Slot): SessionInfo {
    const r: { -readonly [K in keyof SessionInfo]: SessionInfo[K] } = { ssid: s.ssid, domain: this.domain, name: this.name, resource: s.resource, termtyp: s.termtyp, loginTime: s.loginTime, refreshTime: s.refreshTime, ip: s.ip, gateway: s.gateway, connId: s.connId };
    if (s.extend !== undefined) r.extend = s.extend;
    if (s.limits !== undefined) r.limits = s.limits;
    if (s.revocation !== undefined) r.revocation = s.revocation;
    return r;
  }

  /** The resume token of slot `s` as a record. */
  token(s: Slot): TokenRecord {
    return { domain: this.domain, name: this.name, ssid: s.ssid, hash: s.tokenHash, expires: s.tokenExpires, ...carryOf({ extend: s.tokenExtend, limits: s.tokenLimits, revocation: s.tokenRevocation }) };
  }
}

/** Drops the account's expired tokens (looking only once one may have expired); returns how many. */
export function dropExpiredTokens(acc: Account, now: number): number {
  if (acc.tokensValidUntil > now) return 0;
  let removed = 0;
  let validUntil = Infinity;
  for (const s of acc.slots) {
    if (s.tokenHash === '') continue;
    if (s.tokenExpires > now) validUntil = Math.min(validUntil, s.tokenExpires);
    else {
      s.dropToken();
      removed++;
    }
  }
  acc.tokensValidUntil = validUntil;
  return removed;
}

/** Stores a resume token, dropping the idle ones (of unlisted sessions) that expire first beyond MAX_IDLE_RESUME_TOKENS. */
export function storeToken(acc: Account, rec: TokenRecord): void {
  acc.claim(rec.ssid).keepToken(rec);
  if (rec.expires < acc.tokensValidUntil) acc.tokensValidUntil = rec.expires;
  if (acc.slots.length <= MAX_IDLE_RESUME_TOKENS) return; // cannot be over the cap: no need to look
  const idle = acc.slots.filter((s) => !s.listed && s.tokenHash !== '');
  if (idle.length <= MAX_IDLE_RESUME_TOKENS) return;
  idle.sort((a, b) => a.tokenExpires - b.tokenExpires || (a.ssid < b.ssid ? -1 : 1));
  for (const s of idle.slice(0, idle.length - MAX_IDLE_RESUME_TOKENS)) s.dropToken();
}
