/**
 * Dashboard sign-in sessions of one node (in memory): a random session id in
 * an HttpOnly cookie, a random CSRF token the page must echo in a header on
 * every state-changing request. Only SHA-256 digests of the session ids are
 * kept. A session ends when idle for `dashboard_session_ttl`, after
 * MAX_SESSION_AGE_MS whatever its activity, or at sign-out.
 */
import { createHash, randomBytes } from 'node:crypto';

/** Most live sessions per node; signing in beyond ends the session closest to its end. */
const MAX_SESSIONS = 1024;
/** Longest life of a session, however active (8 hours). */
const MAX_SESSION_AGE_MS = 8 * 3600_000;

/** A signed-in operator (or API key) as the page sees it. */
export interface OperatorSession {
  /** Operator account name, or `key:NAME` for a session opened with an API key. */
  readonly operator: string;
  /** Token the page must send in the X-Tim-CSRF header of state-changing requests. */
  readonly csrf: string;
  /** ms since epoch at which the session ends unless used again. */
  expires: number;
  /** ms since epoch after which the session ends even while used. */
  readonly endOfLife: number;
}

const digest = (id: string): string => createHash('sha256').update(id, 'utf8').digest('hex');

/** The sign-in sessions of the dashboard on this node. */
export class OperatorSessions {
  private readonly byDigest = new Map<string, OperatorSession>();

  /** @param idleMs how long a session lives without a request (dashboard_session_ttl). */
  constructor(private readonly idleMs: number) {}

  /** Opens a session for `operator`; returns the cookie value (the id) and the session. */
  open(operator: string, now: number): { id: string; session: OperatorSession } {
    this.sweep(now);
    if (this.byDigest.size >= MAX_SESSIONS) this.dropSoonest();
    const id = randomBytes(32).toString('base64url');
    const session: OperatorSession = {
      operator,
      csrf: randomBytes(24).toString('base64url'),
      expires: now + this.idleMs,
      endOfLife: now + MAX_SESSION_AGE_MS,
    };
    this.byDigest.set(digest(id), session);
    return { id, session };
  }

  /** The live session of cookie value `id`, its idle deadline moved forward; null when unknown or over. */
  use(id: string, now: number): OperatorSession | null {
    const key = digest(id);
    const s = this.byDigest.get(key);
    if (!s) return null;
    if (s.expires <= now || s.endOfLife <= now) {
      this.byDigest.delete(key);
      return null;
    }
    s.expires = Math.min(now + this.idleMs, s.endOfLife);
    return s;
  }

  /** Ends the session of cookie value `id` (sign-out); its cookie is refused from now on. */
  close(id: string): void {
    this.byDigest.delete(digest(id));
  }

  /** Number of live sessions (tests, metrics). */
  get size(): number {
    return this.byDigest.size;
  }

  private sweep(now: number): void {
    for (const [k, s] of this.byDigest) if (s.expires <= now || s.endOfLife <= now) this.byDigest.delete(k);
  }

  private dropSoonest(): void {
    let soonest: [string, number] | null = null;
    for (const [k, s] of this.byDigest) if (!soonest || s.expires < soonest[1]) soonest = [k, s.expires];
    if (soonest) this.byDigest.delete(soonest[0]);
  }
}
