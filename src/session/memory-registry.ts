/**
 * The embedded session table: plain maps in this process. Every method runs to
 * completion without awaiting, so each is atomic per account by construction
 * (Node runs one of them at a time).
 */
import { sameString } from '../constant-time.js';
import { decideLogin } from '../policy/login-policy.js';
import { dropExpiredTokens, emptyAccount, storeToken, type Account } from './memory-account.js';
import { type LoginRequest, type LoginResult, type RegistryStats, type SessionInfo, type SessionRegistry, type TokenRecord, type Touch } from './registry.js';

/** The empty list of a result (shared: results are read-only). */
const NONE: readonly SessionInfo[] = Object.freeze([]);

const refused = (code: 4110 | 4111 | 4115, blocking: readonly SessionInfo[], removed: readonly SessionInfo[]): LoginResult => ({ ok: false, code, blocking, removed });

const byAge = (a: SessionInfo, b: SessionInfo): number => a.loginTime - b.loginTime || (a.ssid < b.ssid ? -1 : 1);

/** In-memory SessionRegistry for the single-node (embedded) mode. */
export class MemoryRegistry implements SessionRegistry {
  private readonly domains = new Map<string, Map<string, Account>>();
  private readonly loginTokens = new Map<string, TokenRecord>();
  /** Sweeps expired tokens and blocks every minute, so idle accounts do not pile up. */
  private readonly sweeper = setInterval(() => this.sweep(this.now()), 60_000).unref();

  /** `now`: the clock of the sweeps and of what each write prunes (ms since epoch; tests inject their own). */
  constructor(private readonly now: () => number = Date.now) {}

  /** Removes expired tokens (and accounts left empty); returns how many tokens. */
  private sweep(now: number): number {
    let removed = 0;
    for (const [domain, accs] of this.domains) for (const name of accs.keys()) removed += this.prune(domain, name, now);
    for (const [k, t] of this.loginTokens) if (t.expires <= now && this.loginTokens.delete(k)) removed++;
    return removed;
  }

  private account(domain: string, name: string, create: true): Account;
  private account(domain: string, name: string, create?: false): Account | undefined;
  private account(domain: string, name: string, create = false): Account | undefined {
    let accounts = this.domains.get(domain);
    if (!accounts) {
      if (!create) return undefined;
      accounts = new Map();
      this.domains.set(domain, accounts);
    }
    let acc = accounts.get(name);
    if (!acc && create) {
      acc = emptyAccount();
      accounts.set(name, acc);
    }
    return acc;
  }

  /** Drops the account's expired tokens, then the account if it holds nothing any more, and its domain when empty; returns how many tokens. */
  private prune(domain: string, name: string, now = this.now()): number {
    const accounts = this.domains.get(domain);
    const acc = accounts?.get(name);
    if (!accounts || !acc) return 0;
    const removed = dropExpiredTokens(acc, now);
    if (acc.sessions.size === 0 && acc.tokens.size === 0 && acc.blockedUntil <= now) {
      accounts.delete(name);
      if (accounts.size === 0) this.domains.delete(domain);
    }
    return removed;
  }

  private take(acc: Account, ssids: readonly string[], revoke: boolean): SessionInfo[] {
    const out: SessionInfo[] = [];
    for (let i = 0; i < ssids.length; i++) {
      const ssid = ssids[i]!;
      const s = acc.sessions.get(ssid);
      if (s) {
        acc.sessions.delete(ssid);
        out.push(s);
      }
      if (revoke) acc.tokens.delete(ssid);
    }
    return out;
  }

  async login(req: LoginRequest): Promise<LoginResult> {
    const { session, now } = req;
    const acc = this.account(session.domain, session.name, true);
    try {
      if (acc.blockedUntil > now) return refused(4110, NONE, NONE);
      if (req.resumeHash !== undefined) {
        const t = acc.tokens.get(session.ssid);
        if (!t || t.expires <= now || !sameString(t.hash, req.resumeHash)) return refused(4115, NONE, NONE);
      }
      const removed = req.kick.length === 0 ? NONE : this.take(acc, req.kick.filter((k) => k !== session.ssid), true);
      const existing = acc.sessions.get(session.ssid);
      // A resume of a listed ssid replaces it in place (keeping loginTime), but
      // its termtyp may differ: it is decided next to the others like any login.
      const inPlace = existing !== undefined && req.resumeHash !== undefined;
      const others: SessionInfo[] = [];
      for (const s of acc.sessions.values()) if (s.ssid !== session.ssid) others.push(s);
      const decision = decideLogin(others, session.termtyp, req.limits, now);
      if (!decision.accept) return refused(4111, decision.blocking, removed);
      acc.sessions.set(session.ssid, inPlace ? { ...session, loginTime: existing.loginTime } : session);
      storeToken(acc, req.token);
      // The evicted (other ssids of this table) go after the insert: a Map
      // emptied shrinks and grows again at once, two runtime calls that were
      // most of a decision's time in kick mode.
      for (const s of decision.evict) {
        acc.sessions.delete(s.ssid);
        acc.tokens.delete(s.ssid);
      }
      return { ok: true, removed, evicted: decision.evict, replaced: inPlace ? existing : null };
    } finally {
      this.prune(session.domain, session.name, now);
    }
  }

  async remove(domain: string, name: string, ssid: string, connId: string): Promise<SessionInfo | null> {
    const acc = this.account(domain, name);
    const s = acc?.sessions.get(ssid);
    if (!acc || !s || s.connId !== connId) return null;
    acc.sessions.delete(ssid);
    this.prune(domain, name);
    return s;
  }

  async removeSessions(domain: string, name: string, ssids: readonly string[] | null): Promise<SessionInfo[]> {
    const acc = this.account(domain, name);
    if (!acc) return [];
    const out = this.take(acc, ssids ?? [...acc.sessions.keys()], true);
    if (ssids === null) acc.tokens.clear();
    this.prune(domain, name);
    return out.sort(byAge);
  }

  async list(domain: string, name: string): Promise<SessionInfo[]> {
    return [...(this.account(domain, name)?.sessions.values() ?? [])].sort(byAge);
  }

  async touch(touches: readonly Touch[]): Promise<Touch[]> {
    const missing: Touch[] = [];
    for (const t of touches) {
      const acc = this.account(t.domain, t.name);
      const s = acc?.sessions.get(t.ssid);
      if (!acc || !s || s.connId !== t.connId) missing.push(t);
      else if (t.time > s.refreshTime) acc.sessions.set(t.ssid, { ...s, refreshTime: t.time });
    }
    return missing;
  }

  async stats(now: number): Promise<RegistryStats> {
    let sessions = 0;
    let accounts = 0;
    let tokens = 0;
    let storedTokens = this.loginTokens.size;
    const perDomain: Record<string, number> = {};
    for (const [domain, accs] of this.domains) {
      let n = 0;
      for (const acc of accs.values()) {
        if (acc.sessions.size > 0) accounts++;
        n += acc.sessions.size;
        storedTokens += acc.tokens.size;
        for (const t of acc.tokens.values()) if (t.expires > now) tokens++;
      }
      sessions += n;
      if (n > 0) perDomain[domain] = n;
    }
    for (const t of this.loginTokens.values()) if (t.expires > now) tokens++;
    return { sessions, accounts, perDomain, gateways: 1, tokens, storedTokens };
  }

  /** The whole in-process table in one pass, as the minute's sweep does. */
  async removeExpiredTokens(now: number): Promise<number> {
    return this.sweep(now);
  }

  async getResumeToken(domain: string, name: string, ssid: string, now: number): Promise<TokenRecord | null> {
    const t = this.account(domain, name)?.tokens.get(ssid);
    return t && t.expires > now ? t : null;
  }

  async findSessions(domain: string, ssids: readonly string[]): Promise<SessionInfo[]> {
    const wanted = new Set(ssids);
    const out: SessionInfo[] = [];
    for (const acc of this.domains.get(domain)?.values() ?? []) {
      for (const s of acc.sessions.values()) if (wanted.has(s.ssid)) out.push(s);
    }
    return out.sort(byAge);
  }

  async putLoginToken(id: string, rec: TokenRecord): Promise<void> {
    this.loginTokens.set(id, rec);
  }

  async takeLoginToken(id: string, domain: string, name: string, hash: string, now: number): Promise<TokenRecord | null> {
    const t = this.loginTokens.get(id);
    if (!t || t.domain !== domain || t.name !== name || !sameString(t.hash, hash)) return null;
    this.loginTokens.delete(id);
    return t.expires > now ? t : null;
  }

  async block(domain: string, name: string, until: number): Promise<void> {
    this.account(domain, name, true).blockedUntil = until;
    this.prune(domain, name);
  }

  async close(): Promise<void> {
    clearInterval(this.sweeper);
  }
}
