/**
 * GET /api/v1/events (PROTOCOL.md section 13): the presence events of ADMSUB
 * as Server-Sent Events, `event: KIND` and `data:` the section 12 JSON, with
 * a comment line every `sse_heartbeat` seconds so proxies keep the stream
 * open. A subscriber whose unsent bytes pass `max_buffered` (it stopped
 * reading) is dropped, as a slow admin socket is. A stream opened with a
 * dashboard session cookie is ended when that session ends (sign-out,
 * expiry): it never outlives its credential.
 */
import type { ServerResponse } from 'node:http';
import type { Config } from '../config/defaults.js';
import { ErrorCode, failure } from '../errors.js';
import type { Metrics } from '../metrics.js';
import type { AdmEvent } from '../protocol/types.js';
import type { AdminService } from '../session/admin-service.js';
import { presenceJson } from '../protocol/presence-json.js';
import { failureReply, type HttpReply } from './http-reply.js';
import { queryFields } from './parse-request.js';
import type { RequestContext } from './router.js';

/** Open event streams per node; beyond, new ones get 503 (as admin sockets). */
const MAX_STREAMS = 256;

interface Subscriber {
  readonly res: ServerResponse;
  /** "" = every domain (as ADMSUB). */
  readonly domain: string;
  /** Other nodes' events follow this stream while it is open (Bus.follow), as this release. */
  readonly following: Promise<() => void>;
  /** Told ": subscribed" (other nodes' events are coming): events are written from then on. */
  ready: boolean;
}

/** The event streams of one node. */
export class EventStreams {
  private readonly subscribers = new Set<Subscriber>();
  /** Runs while there are subscribers. */
  private heartbeat: NodeJS.Timeout | null = null;

  constructor(
    private readonly config: Config,
    private readonly admin: AdminService,
    private readonly metrics: Metrics,
  ) {
    admin.onEvent((ev) => this.publish(ev));
  }

  /** The handler of GET /api/v1/events. */
  readonly handle = (ctx: RequestContext): HttpReply | 'streamed' => {
    const req = queryFields(ctx, { domain: 'string' });
    if ('reply' in req) return req.reply;
    const problem = this.admin.checkSubscription(req.value.domain);
    if (problem) return failureReply(problem);
    if (this.subscribers.size >= MAX_STREAMS) return failureReply(failure(ErrorCode.HEAVY_LOAD, `more than ${MAX_STREAMS} event streams`));
    const ends = ctx.principal?.ends;
    if (ends?.aborted) return failureReply(failure(ErrorCode.PERMISSION_DENIED, 'permission denied: signed out or session expired'));
    const sub: Subscriber = { res: ctx.res, domain: req.value.domain, following: this.admin.followEvents(), ready: false };
    ctx.res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store', 'x-accel-buffering': 'no' });
    // said once other nodes' events are coming too: nothing after it is missed
    void sub.following.then(() => {
      if (!this.subscribers.has(sub)) return;
      sub.ready = true;
      ctx.res.write(': subscribed\n\n');
    });
    this.subscribers.add(sub);
    this.changed();
    // a stream opened with a cookie session ends with it (sign-out, expiry): the credential no longer reads events
    const endStream = (): void => {
      this.remove(sub);
      ctx.res.end(': session ended\n\n');
    };
    ends?.addEventListener('abort', endStream, { once: true });
    ctx.res.on('close', () => {
      ends?.removeEventListener('abort', endStream);
      this.remove(sub);
    });
    return 'streamed';
  };

  private publish(ev: AdmEvent): void {
    if (this.subscribers.size === 0) return;
    const json = presenceJson(ev);
    if (!json) return;
    const frame = `event: ${json.kind}\ndata: ${JSON.stringify(json)}\n\n`;
    for (const s of this.subscribers) if (s.ready && (s.domain === '' || s.domain === ev.domain)) this.write(s, frame);
  }

  /** Writes to a subscriber, or drops it when it has more than max_buffered bytes unsent. */
  private write(s: Subscriber, text: string): void {
    const unsent = s.res.writableLength + (s.res.socket?.writableLength ?? 0);
    if (unsent > this.config.max_buffered) {
      this.metrics.eventStreamsDropped.inc();
      this.remove(s);
      s.res.destroy();
      return;
    }
    s.res.write(text);
  }

  private remove(s: Subscriber): void {
    if (!this.subscribers.delete(s)) return;
    void s.following.then((release) => release());
    this.changed();
  }

  /** Updates the gauge; the heartbeat runs only while someone listens. */
  private changed(): void {
    this.metrics.eventStreams.set(this.subscribers.size);
    if (this.subscribers.size > 0 && !this.heartbeat) {
      this.heartbeat = setInterval(() => {
        for (const s of this.subscribers) this.write(s, ': heartbeat\n\n');
      }, this.config.sse_heartbeat * 1000);
      this.heartbeat.unref();
    } else if (this.subscribers.size === 0 && this.heartbeat) {
      clearInterval(this.heartbeat);
      this.heartbeat = null;
    }
  }
}
