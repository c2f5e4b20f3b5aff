/**
 * The removals this node owes the session table: the session of a socket that
 * closed, and the record of a login it gave up on (withdrawn, so that a late
 * execution of that login writes nothing either). Each is tried at once; one
 * the table refuses (Redis unreachable, or the account's slot migrating) is
 * retried on a short timer (RetryQueue) instead of waiting for the node's
 * next rejoin, so that it stops counting against its account's limits
 * within seconds of the table answering again.
 */
import { EventKind } from '../protocol/types.js';
import { RateLimitedLog } from '../rate-limited-log.js';
import type { LocalSockets, PendingEvent } from './local-sockets.js';
import type { LoginUsed, SessionInfo } from './registry.js';
import { RetryQueue, type RetryPace } from './retry-queue.js';
import { gateLimits, TableGate, throughGate } from './table-gate.js';
import type { SessionDeps } from './session-deps.js';

/** How owed removals and unfinished logouts are retried: 250 ms, doubling to 5 s; 10,000 kept at most. */
export const TABLE_RETRY_PACE: RetryPace = { max: 10_000, firstMs: 250, maxMs: 5_000 };

/** A removal owed: of a closed socket's session (`reason` of its OFFLINE event), or a login's withdrawal (reason null, with the tokens it presented). */
interface Owed {
  readonly session: SessionInfo;
  readonly reason: string | null;
  readonly used?: LoginUsed;
  /** Its OFFLINE event (reason `closed` for a withdrawal, which only the other nodes hear of: they heard of the login, this node did not). */
  readonly offline: PendingEvent;
}

/** The removals one node owes the table. */
export class OwedRemovals {
  private readonly queue: RetryQueue<Owed>;
  /** Cluster mode: the bound on this node's removals in flight on Redis (redis.write_concurrency, write_queue; no bound on the wait). */
  private readonly gate: TableGate | null;
  /** One line a second at most: during an outage every closed socket and every refused login retry owes one. */
  private readonly failures: RateLimitedLog;

  constructor(
    private readonly deps: SessionDeps,
    private readonly hub: LocalSockets,
  ) {
    this.failures = new RateLimitedLog(deps.log, 1000, deps.now);
    this.gate = deps.config.redis ? new TableGate(gateLimits(deps.config.redis)) : null;
    // a mass close during an outage overflows by thousands: one line a second, counting the rest (`suppressed`)
    const overflow = new RateLimitedLog(deps.log, 1000, deps.now);
    this.queue = new RetryQueue((o) => this.apply(o), TABLE_RETRY_PACE, (o) =>
      overflow.error({ ssid: o.session.ssid }, 'too many removals waiting for the session store: this one is left to the node rejoin or the reaper'),
    );
  }

  /** Removals waiting for a retry. */
  get size(): number {
    return this.queue.size;
  }

  /** A socket closed: its session leaves the table (now, or once the table answers). */
  closed(s: SessionInfo, reason: string): Promise<void> {
    return this.owe({ session: s, reason, offline: this.hub.pending(EventKind.OFFLINE, s, reason) });
  }

  /** Takes back login `s` that did not stand, and what it used up (see SessionRegistry.withdraw). */
  withdraw(s: SessionInfo, used: LoginUsed): Promise<void> {
    return this.owe({ session: s, reason: null, used, offline: this.hub.pending(EventKind.OFFLINE, s, 'closed') });
  }

  /** Stops the retries (shutdown: the node's leave removes its sessions). */
  stop(): void {
    this.queue.stop();
  }

  private async owe(o: Owed): Promise<void> {
    try {
      await this.apply(o);
    } catch (err) {
      this.failures.warn({ err, ssid: o.session.ssid, waiting: this.queue.size + 1 }, o.reason === null ? 'could not take back a login that did not stand; retrying' : 'could not remove a closed session; retrying');
      this.queue.add(`${o.session.ssid}\u0000${o.session.connId}`, o);
    }
  }

  private async apply({ session: s, reason, used, offline }: Owed): Promise<void> {
    if (reason === null) {
      // not gated: it must reach Redis right behind the login it takes back
      await this.deps.registry.withdraw(s, used, offline.carried);
      return;
    }
    const remove = () => this.deps.registry.remove(s.domain, s.name, s.ssid, s.connId, offline.carried);
    const done = await throughGate(this.gate, () => true, remove);
    if (!done.ran) throw new Error(`more than ${this.gate?.limits.queued} removals waiting for the session store`);
    if (done.value) this.hub.publish(offline);
  }
}
