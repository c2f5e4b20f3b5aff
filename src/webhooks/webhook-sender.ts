/**
 * One webhook of one node: a bounded queue of presence events posted in
 * batches (up to BATCH_MAX events, or whatever came within BATCH_WINDOW_MS of
 * the first), one batch at a time so the receiver sees the node's events in
 * order. A failed batch (non-2xx, timeout, connection error) is retried with
 * backoff before anything after it. When the queue is full the oldest waiting
 * event is dropped and counted. Pushing never waits: logins never do.
 */
import type { Logger } from 'pino';
import type { Counter, Gauge } from 'prom-client';
import { JsonPoster, type PostResult } from '../http/post-json.js';
import { RateLimitedLog } from '../rate-limited-log.js';
import type { PresenceJson } from '../protocol/presence-json.js';
import { retryDelay } from './backoff.js';

/** Most events in one batch. */
export const BATCH_MAX = 100;
/** How long the first event of a batch waits for others, ms. */
export const BATCH_WINDOW_MS = 200;

/** The metrics a sender reports to, labelled by hook index. */
export interface WebhookMetrics {
  readonly deliveries: Counter<'hook' | 'result'>;
  readonly queued: Gauge<'hook'>;
  readonly dropped: Counter<'hook'>;
}

/** What one sender needs. */
export interface WebhookSenderOptions {
  readonly index: number;
  readonly url: URL;
  readonly secret: string;
  readonly gatewayId: string;
  readonly queueMax: number;
  readonly timeoutMs: number;
  readonly metrics: WebhookMetrics;
  readonly log: Logger;
}

/** The label of a post's outcome. */
function resultOf(r: PostResult): string {
  if (r.kind !== 'answer') return r.kind;
  return r.status >= 200 && r.status < 300 ? 'ok' : 'bad_status';
}

/** Delivers the events of one hook. */
export class WebhookSender {
  private readonly queue: PresenceJson[] = [];
  private readonly poster: JsonPoster;
  private readonly failures: RateLimitedLog;
  private readonly hook: string;
  private timer: NodeJS.Timeout | null = null;
  /** Ends a retry wait early (shutdown). */
  private wake: (() => void) | null = null;
  private sending = false;
  /** Events of the batch being delivered: they count against queueMax until it is accepted. */
  private inFlight = 0;
  private closed = false;

  constructor(private readonly o: WebhookSenderOptions) {
    this.poster = new JsonPoster({ url: o.url, secret: o.secret, timeoutMs: o.timeoutMs, maxAnswerBytes: 4096 }, 1);
    this.failures = new RateLimitedLog(o.log);
    this.hook = String(o.index);
  }

  /**
   * Queues an event. The events kept (waiting, and in the batch being
   * delivered) are at most queueMax: beyond, the oldest waiting one is
   * dropped, or this one when the batch alone fills the bound.
   */
  push(event: PresenceJson): void {
    if (this.closed) return;
    if (this.queue.length + this.inFlight >= this.o.queueMax) {
      this.o.metrics.dropped.inc({ hook: this.hook });
      if (this.queue.length === 0) return;
      this.queue.shift();
    }
    this.queue.push(event);
    this.o.metrics.queued.set({ hook: this.hook }, this.queue.length);
    this.schedule();
  }

  private schedule(): void {
    if (this.sending || this.timer || this.queue.length === 0) return;
    const wait = this.queue.length >= BATCH_MAX ? 0 : BATCH_WINDOW_MS;
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.sendBatch();
    }, wait);
  }

  /** Posts the head of the queue until it is accepted, then schedules the next batch. */
  private async sendBatch(): Promise<void> {
    this.sending = true;
    const batch = this.queue.splice(0, BATCH_MAX);
    this.inFlight = batch.length;
    this.o.metrics.queued.set({ hook: this.hook }, this.queue.length);
    const body = JSON.stringify({ gateway: this.o.gatewayId, events: batch });
    for (let attempt = 1; !this.closed; attempt++) {
      const r = await this.poster.post(body);
      const result = resultOf(r);
      this.o.metrics.deliveries.inc({ hook: this.hook, result });
      if (result === 'ok') break;
      const delay = retryDelay(attempt);
      this.failures.warn({ hook: this.o.index, result, problem: r.kind === 'answer' ? `HTTP ${r.status}` : r.message, events: batch.length, retryInMs: delay }, 'webhook delivery failed: will retry');
      await new Promise<void>((resolve) => {
        this.timer = setTimeout(resolve, delay);
        this.wake = resolve;
      });
      this.timer = null;
    }
    this.sending = false;
    this.inFlight = 0;
    this.schedule();
  }

  /** Stops posting; waiting events are given up. */
  close(): void {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.wake?.();
    this.poster.close();
  }
}
