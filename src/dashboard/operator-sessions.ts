/**
 * Dashboard sign-in sessions of one node (in memory): a random session id in
 * an HttpOnly cookie, a random CSRF token the page must echo in a header on
 * every state-changing request. Only SHA-256 digests of the session ids are
 * kept. A session ends when idle for `dashboard_session_ttl`, after
 * MAX_SESSION_AGE_MS whatever its activity, at sign-out, or when the node
 * stops; its `ended` signal fires then, so what it opened (an event stream)
 * ends with it.
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
  /** Aborted when the session ends (sign-out, idle, age, displaced, node stop). */
  readonly ended: AbortSignal;
}

interface Entry {
  readonly session: OperatorSession;
  readonly end: AbortController;
  /** Fires at the session's deadline; re-armed there when the session was used meanwhile. */
  timer: NodeJS.Timeout;
}

const digest = (id: string): string => createHash('sha256').update(id, 'utf8').digest('hex');
const deadline = (s: OperatorSession): number => Math.min(s.expires, s.endOfLife);

/** The sign-in sessions of the dashboard on this node. */
export class OperatorSessions {
  private readonly byDigest = new Map<string, Entry>();

  /** @param idleMs how long a session lives without a request (dashboard_session_ttl). */
  constructor(private readonly idleMs: number) {}

  /** Opens a session for `operator`; returns the cookie value (the id) and the session. */
  open(operator: string, now: number): { id: string; session: OperatorSession } {
    if (this.byDigest.size >= MAX_SESSIONS) this.endSoonest();
    const id = randomBytes(32).toString('base64url');
    const end = new AbortController();
    const session: OperatorSession = {
      operator,
      csrf: randomBytes(24).toString('base64url'),
      expires: now + this.idleMs,
      endOfLife: now + MAX_SESSION_AGE_MS,
      ended: end.signal,
    };
    const key = digest(id);
    this.byDigest.set(key, { session, end, timer: this.watch(key, this.idleMs) });
    return { id, session };
  }

  /** The live session of cookie value `id`, its idle deadline moved forward; null when unknown or over. */
  use(id: string, now: number): OperatorSession | null {
    const key = digest(id);
    const e = this.byDigest.get(key);
    if (!e) return null;
    if (deadline(e.session) <= now) {
      this.end(key);
      return null;
    }
    e.session.expires = Math.min(now + this.idleMs, e.session.endOfLife);
    return e.session;
  }

  /** Ends the session of cookie value `id` (sign-out); its cookie is refused from now on. */
  signOut(id: string): void {
    this.end(digest(id));
  }

  /** Ends every session (the node stops). */
  close(): void {
    for (const key of [...this.byDigest.keys()]) this.end(key);
  }

  /** Number of live sessions (tests, metrics). */
  get size(): number {
    return this.byDigest.size;
  }

  /** A timer that ends the session at its deadline, or looks again at the later deadline it got by being used. */
  private watch(key: string, inMs: number): NodeJS.Timeout {
    const timer = setTimeout(() => {
      const e = this.byDigest.get(key);
      if (!e) return;
      const left = deadline(e.session) - Date.now();
      if (left > 0) e.timer = this.watch(key, left);
      else this.end(key);
    }, inMs);
    timer.unref();
    return timer;
  }

  private end(key: string): void {
    const e = this.byDigest.get(key);
    if (!e) return;
    this.byDigest.delete(key);
    clearTimeout(e.timer);
    e.end.abort();
  }

  private endSoonest(): void {
    let soonest: [string, number] | null = null;
    for (const [k, e] of this.byDigest) if (!soonest || e.session.expires < soonest[1]) soonest = [k, e.session.expires];
    if (soonest) this.end(soonest[0]);
  }
}
