/**
 * How a login is refused: the failed ACK, a debug line, and a REJECTED
 * presence event with bounded fields, at most refusal_events_ip of them per
 * address (beyond, refusals are answered but publish nothing). A session
 * store that fails is logged once until it works again.
 */
import { ErrorCode, failure, type TimFailure } from '../errors.js';
import { TokenBuckets } from '../policy/token-bucket.js';
import { boundEventField } from '../protocol/event-fields.js';
import { failAck, toTimSession } from '../protocol/replies.js';
import { ClientType } from '../protocol/type-codes.js';
import { EventKind, type TimAck, type TimAuth } from '../protocol/types.js';
import type { LocalSockets } from './local-sockets.js';
import type { SessionInfo } from './registry.js';
import type { SessionHolder } from './session-holder.js';
import type { SessionDeps } from './session-deps.js';

/** The refusals of one node's login flow. */
export class LoginRefusals {
  /** REJECTED events per address (refusal_events_ip). */
  private readonly events: TokenBuckets;
  private storeDownLogged = false;

  constructor(
    private readonly deps: SessionDeps,
    private readonly hub: LocalSockets,
  ) {
    this.events = new TokenBuckets(deps.config.refusal_events_ip);
  }

  /** Refuses `auth` of `conn` with `f`; `reason` names it in the event and the log. */
  rejected(auth: TimAuth, conn: SessionHolder, f: TimFailure, reason: string, extra: Partial<TimAck> = {}): TimAck {
    const cut = (s: string): string => boundEventField(s, this.deps.config.max_field_bytes);
    if (this.events.take(conn.ip, this.deps.now())) this.hub.event(EventKind.REJECTED, { domain: cut(auth.domain), name: cut(auth.name), ssid: '', resource: cut(auth.resource), termtyp: auth.termtyp, ip: conn.ip }, reason);
    else this.deps.metrics.rejectedEventsDropped.inc();
    this.deps.log.debug({ domain: auth.domain, name: auth.name, ip: conn.ip, code: f.code, reason }, 'login refused');
    return failAck(ClientType.AUTH, f, extra);
  }

  /** The table refused the login: blocked account (4110), resume token gone (4115), or over the limits (4111, listing the sessions that block). */
  refusedByTable(auth: TimAuth, conn: SessionHolder, code: 4110 | 4111 | 4115 | 5104, blocking: readonly SessionInfo[]): TimAck {
    if (code === ErrorCode.BLOCKED) return this.rejected(auth, conn, failure(ErrorCode.BLOCKED), 'blocked');
    // the resume token was replaced moments ago by a login its node may still take back, which gives it back (RedisRegistry)
    if (code === ErrorCode.HEAVY_LOAD) return this.rejected(auth, conn, failure(ErrorCode.HEAVY_LOAD, 'resume token being replaced: try again'), 'token_replaced');
    if (code === ErrorCode.ERROR_TOKEN) return this.rejected(auth, conn, failure(ErrorCode.ERROR_TOKEN), 'bad_token');
    return this.rejected(auth, conn, failure(ErrorCode.OVER_ENTRY), 'over_entry', { sessions: blocking.map((s) => toTimSession(this.hub.withLocalRefresh(s))) });
  }

  /** Too many logins of this node already wait for the session store (redis.write_queue), or this one waited past auth_timeout: 5104. */
  storeBusy(auth: TimAuth, conn: SessionHolder): TimAck {
    return this.rejected(auth, conn, failure(ErrorCode.HEAVY_LOAD, 'too many logins waiting for the session store: try again'), 'store_busy');
  }

  /** The session store failed: 5104, logged once until it works again. */
  storeDown(auth: TimAuth, conn: SessionHolder, e: unknown): TimAck {
    if (!this.storeDownLogged) {
      this.storeDownLogged = true;
      this.deps.log.error({ err: e }, 'session store unreachable: logins answer 5104 until it returns');
      setTimeout(() => (this.storeDownLogged = false), 10_000).unref();
    }
    return this.rejected(auth, conn, failure(ErrorCode.HEAVY_LOAD), 'store_unavailable');
  }
}
