/**
 * The embedded session table: plain maps in this process. Every method runs to
 * completion without awaiting, so each is atomic per account by construction
 * (Node runs one of them at a time).
 */
import type { Revocation } from '../auth/authenticator.js';
import { sameString } from '../constant-time.js';
import { decideLogin } from '../policy/login-policy.js';
import { Account, dropExpiredTokens, storeToken, type Slot } from './memory-account.js';
import { type LoginRequest, type LoginResult, type LoginUsed, type RegistryStats, type Removal, type SessionInfo, type SessionRegistry, type TokenRecord, type Touch } from './registry.js';

/** The empty list of a result (shared: results are read-only). */
const NONE: readonly SessionInfo[] = Object.freeze([]);

const refused = (code: 4110 | 4111 | 4115, blocking: readonly SessionInfo[], removed: readonly SessionInfo[]): LoginResult => ({ ok: false, code, blocking, removed });

const byAge = (a: SessionInfo, b: SessionInfo): number => a.loginTime - b.loginTime || (a.ssid < b.ssid ? -1 : 1);

/** The records of `slots` of `acc` (NONE for none). */
const records = (acc: Account, slots: readonly Slot[]): readonly SessionInfo[] => (slots.length === 0 ? NONE : slots.map((s) => acc.record(s)));

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
    for (const accs of this.domains.values()) for (const acc of accs.values()) removed += this.prune(acc, now);
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
      acc = new Account(domain, name);
      accounts.set(name, acc);
    }
    return acc;
  }

  /** Drops the account's expired tokens, then the account if it holds nothing any more, and its domain when empty; returns how many tokens. */
  private prune(acc: Account, now = this.now()): number {
    const removed = dropExpiredTokens(acc, now);
    if (acc.empty(now)) {
      const accounts = this.domains.get(acc.domain);
      if (accounts?.get(acc.name) === acc) accounts.delete(acc.name);
      if (accounts?.size === 0) this.domains.delete(acc.domain);
    }
    return removed;
  }

  /**
   * Logs out the listed sessions of `ssids` (revoking their tokens with
   * `revoke`); returns their records. With `closed`, collects the JWTs of the
   * revoked tokens whose sessions had already closed.
   */
  private take(acc: Account, ssids: readonly string[], revoke: boolean, closed?: Revocation[]): SessionInfo[] {
    const out: SessionInfo[] = [];
    for (let i = 0; i < ssids.length; i++) {
      const s = acc.find(ssids[i]!);
      if (!s) continue;
      if (s.listed) {
        out.push(acc.record(s));
        s.listed = false;
      } else if (closed && s.tokenHash !== '' && s.tokenRevocation) closed.push(s.tokenRevocation);
      if (revoke) s.dropToken();
    }
    return out;
  }

  async login(req: LoginRequest): Promise<LoginResult> {
    const { session, now } = req;
    const acc = this.account(session.domain, session.name, true);
    try {
      if (acc.blockedUntil > now) return refused(4110, NONE, NONE);
      if (req.resumeHash !== undefined) {
        const t = acc.find(session.ssid);
        if (!t || t.tokenHash === '' || t.tokenExpires <= now || !sameString(t.tokenHash, req.resumeHash)) return refused(4115, NONE, NONE);
      }
      const removed = req.kick.length === 0 ? NONE : this.take(acc, req.kick.filter((k) => k !== session.ssid), true);
      const existing = acc.session(session.ssid);
      // A resume of a listed ssid replaces it in place (keeping loginTime), but
      // its termtyp may differ: it is decided next to the others like any login.
      const replaced = existing !== undefined && req.resumeHash !== undefined ? acc.record(existing) : null;
      const others: Slot[] = [];
      for (const s of acc.slots) if (s.listed && s.ssid !== session.ssid) others.push(s);
      const decision = decideLogin(others, session.termtyp, req.limits, now);
      if (!decision.accept) return refused(4111, records(acc, decision.blocking), removed);
      const evicted = records(acc, decision.evict);
      // the evicted go first: the new session takes the slot one of them frees (kick mode allocates no slot)
      for (const s of decision.evict) {
        s.listed = false;
        s.dropToken();
      }
      const slot = acc.claim(session.ssid);
      slot.list(session);
      if (replaced) slot.loginTime = replaced.loginTime;
      storeToken(acc, req.token);
      return { ok: true, removed, evicted, replaced };
    } finally {
      this.prune(acc, now);
    }
  }

  async remove(domain: string, name: string, ssid: string, connId: string): Promise<SessionInfo | null> {
    return this.unlist(domain, name, ssid, connId, null);
  }

  /**
   * In-process, a login is decided before the caller can give up on it:
   * nothing can land late. Login tokens are taken by the token check before
   * the table sees the login (no LoginRequest.loginToken), so there is none
   * to put back here.
   */
  async withdraw(s: SessionInfo, used: LoginUsed = {}): Promise<SessionInfo | null> {
    return this.unlist(s.domain, s.name, s.ssid, s.connId, used);
  }

  /** Unlists ssid if socket `connId` holds it; with `withdrawn`, also gives back the resume token that login presented, or drops the one it was issued. */
  private unlist(domain: string, name: string, ssid: string, connId: string, withdrawn: LoginUsed | null): SessionInfo | null {
    const acc = this.account(domain, name);
    const s = acc?.session(ssid);
    if (!acc || !s || s.connId !== connId) return null;
    const r = acc.record(s);
    s.listed = false;
    if (withdrawn?.resumeHash !== undefined && s.tokenHash !== '') s.tokenHash = withdrawn.resumeHash;
    else if (withdrawn) s.dropToken();
    this.prune(acc);
    return r;
  }

  async removeSessions(domain: string, name: string, ssids: readonly string[] | null): Promise<Removal> {
    const acc = this.account(domain, name);
    const revocations: Revocation[] = [];
    if (!acc) return { sessions: [], revocations };
    const sessions = this.take(acc, ssids ?? acc.slots.map((s) => s.ssid), true, revocations);
    this.prune(acc);
    return { sessions: sessions.sort(byAge), revocations };
  }

  async list(domain: string, name: string): Promise<SessionInfo[]> {
    const acc = this.account(domain, name);
    return acc ? acc.slots.filter((s) => s.listed).map((s) => acc.record(s)).sort(byAge) : [];
  }

  async touch(touches: readonly Touch[]): Promise<Touch[]> {
    const missing: Touch[] = [];
    for (const t of touches) {
      const s = this.account(t.domain, t.name)?.session(t.ssid);
      if (!s || s.connId !== t.connId) missing.push(t);
      else if (t.time > s.refreshTime) s.refreshTime = t.time;
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
        let listed = 0;
        for (const s of acc.slots) {
          if (s.listed) listed++;
          if (s.tokenHash === '') continue;
          storedTokens++;
          if (s.tokenExpires > now) tokens++;
        }
        if (listed > 0) accounts++;
        n += listed;
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
    const acc = this.account(domain, name);
    const s = acc?.find(ssid);
    return acc && s && s.tokenHash !== '' && s.tokenExpires > now ? acc.token(s) : null;
  }

  async findSessions(domain: string, ssids: readonly string[]): Promise<SessionInfo[]> {
    const wanted = new Set(ssids);
    const out: SessionInfo[] = [];
    for (const acc of this.domains.get(domain)?.values() ?? []) {
      for (const s of acc.slots) if (s.listed && wanted.has(s.ssid)) out.push(acc.record(s));
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
    const acc = this.account(domain, name, true);
    acc.blockedUntil = until;
    this.prune(acc);
  }

  async close(): Promise<void> {
    clearInterval(this.sweeper);
  }
}
