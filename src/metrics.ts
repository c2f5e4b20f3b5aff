/**
 * Prometheus metrics of one gateway (prom-client, a registry per gateway so
 * several can live in one process). Served at GET /metrics on the admin listener.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { closeCodes, KickReason } from './errors.js';

/**
 * Interval of the event-loop samplers (ours and prom-client's), ms: each
 * sample wakes an idle process, and at 10 ms the two samplers alone cost an
 * idle gateway about 0.7 % of a core; at 50 ms about 0.2 %.
 */
const LOOP_SAMPLE_MS = 50;

/** How long one read of the table's counts serves /metrics scrapes. */
export const TABLE_STATS_MAX_AGE_MS = 5000;

/** The table-wide counts the gauges show (the session registry's stats satisfy it; metrics know nothing of the session layer). */
export interface TableCounts {
  readonly sessions: number;
  readonly accounts: number;
  readonly gateways: number;
  readonly tokens: number;
}

/** The gateway's metrics. */
export class Metrics {
  readonly registry = new Registry();
  /** Open client sockets on this node. */
  readonly connections = new Gauge({ name: 'tim_connections', help: 'Open client sockets on this node', registers: [this.registry] });
  /** Authenticated sessions held by this node. */
  readonly sessions = new Gauge({ name: 'tim_sessions', help: 'Authenticated sessions held by this node', registers: [this.registry] });
  /** Login attempts by result: ok, or the error code. */
  readonly logins = new Counter({ name: 'tim_logins_total', help: 'Login attempts by result (ok or error code)', labelNames: ['result'], registers: [this.registry] });
  /** Sessions logged out by reason (every KickReason of src/errors.ts, present at 0 from the start). */
  readonly kicks = new Counter({ name: 'tim_kicks_total', help: 'Sessions kicked by reason', labelNames: ['reason'], registers: [this.registry] });
  /** System notices delivered to sockets of this node, by odType. */
  readonly notices = new Counter({ name: 'tim_notices_total', help: 'System notices delivered by this node, by kind', labelNames: ['kind'], registers: [this.registry] });
  /** Sockets closed by this node, by close code. */
  readonly closes = new Counter({ name: 'tim_closes_total', help: 'Sockets closed by the server, by close code', labelNames: ['code'], registers: [this.registry] });
  /** Seconds from AUTH received to ACK sent. */
  readonly loginLatency = new Histogram({
    name: 'tim_login_duration_seconds',
    help: 'Seconds from AUTH frame received to ACK sent',
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [this.registry],
  });
  /** Open admin sockets on this node. */
  readonly adminConnections = new Gauge({ name: 'tim_admin_connections', help: 'Open admin sockets on this node', registers: [this.registry] });
  /** Admin requests by type (auth, notice, kick, ...) and result (ok or error code). */
  readonly adminRequests = new Counter({
    name: 'tim_admin_requests_total',
    help: 'Admin socket requests by type and result (ok or error code)',
    labelNames: ['type', 'result'],
    registers: [this.registry],
  });
  /** Open event streams (GET /api/v1/events) on this node. */
  readonly eventStreams = new Gauge({ name: 'tim_http_event_streams', help: 'Open HTTP event streams on this node', registers: [this.registry] });
  /** Event streams dropped because their reader fell more than max_buffered behind. */
  readonly eventStreamsDropped = new Counter({ name: 'tim_http_event_streams_dropped_total', help: 'HTTP event streams dropped as slow readers', registers: [this.registry] });
  /** Connections closed before their first HTTP request (listener: client, admin; reason: over_limit, header_timeout). */
  readonly refusedConnections = new Counter({
    name: 'tim_refused_connections_total',
    help: 'Connections closed before their first HTTP request, by listener and reason (over_limit, header_timeout)',
    labelNames: ['listener', 'reason'],
    registers: [this.registry],
  });
  /** REJECTED events not published because their address passed refusal_events_ip. */
  readonly rejectedEventsDropped = new Counter({ name: 'tim_rejected_events_dropped_total', help: 'Login refusals not published as REJECTED events (refusal_events_ip)', registers: [this.registry] });
  /** Cluster mode: times this node's pub/sub subscription was lost (each is followed by a reconcile once it is back). */
  readonly busSubscriptionsLost = new Counter({ name: 'tim_bus_subscriptions_lost_total', help: 'Times the pub/sub subscription of this node was lost', registers: [this.registry] });
  /** Where the table-wide gauges read from; set by watchTable. */
  private tableStats: (() => Promise<TableCounts>) | null = null;
  /** Samples the event loop every LOOP_SAMPLE_MS; each sample is that interval plus the lag. */
  private readonly loopDelay = monitorEventLoopDelay({ resolution: LOOP_SAMPLE_MS });

  constructor() {
    this.loopDelay.enable();
    const delay = this.loopDelay;
    new Gauge({
      name: 'tim_event_loop_lag_seconds',
      help: 'Event loop delay p99 over the last scrape interval',
      registers: [this.registry],
      collect() {
        const p99 = delay.percentile(99);
        this.set(Number.isFinite(p99) ? Math.max(0, p99 / 1e9 - LOOP_SAMPLE_MS / 1000) : 0);
        delay.reset();
      },
    });
    for (const reason of Object.values(KickReason)) this.kicks.labels({ reason }).inc(0);
    for (const code of Object.keys(closeCodes)) this.closes.labels({ code }).inc(0);
    collectDefaultMetrics({ register: this.registry, prefix: 'tim_', eventLoopMonitoringPrecision: LOOP_SAMPLE_MS }); // tim_process_*, tim_nodejs_*
    const table = (name: string, help: string, pick: (s: TableCounts) => number): void => {
      const tableStats = (): Promise<TableCounts> | undefined => this.tableStats?.();
      new Gauge({
        name,
        help,
        registers: [this.registry],
        async collect() {
          const stats = await tableStats()?.catch(() => null);
          if (stats) this.set(pick(stats));
        },
      });
    };
    table('tim_table_sessions', 'Sessions in the whole table (cluster-wide)', (s) => s.sessions);
    table('tim_table_accounts', 'Accounts with at least one session (cluster-wide)', (s) => s.accounts);
    table('tim_gateways', 'Live gateway nodes', (s) => s.gateways);
    table('tim_tokens', 'Live resume and login tokens', (s) => s.tokens);
  }

  /**
   * Reads the table-wide gauges (tim_table_*, tim_gateways, tim_tokens) from
   * `stats`; unset, they stay 0. One read serves every gauge of a scrape and
   * any scrape within TABLE_STATS_MAX_AGE_MS after it: in cluster mode a read
   * SCANs the whole table, which must not happen four times per scrape nor
   * once per scraper.
   */
  watchTable(stats: () => Promise<TableCounts>): void {
    let last: { at: number; value: Promise<TableCounts> } | null = null;
    this.tableStats = () => {
      const now = Date.now();
      if (!last || now - last.at > TABLE_STATS_MAX_AGE_MS) last = { at: now, value: stats() };
      return last.value;
    };
  }

  /** Sets tim_store_reachable from `reachable` at each scrape. */
  watchStore(reachable: () => boolean): void {
    new Gauge({
      name: 'tim_store_reachable',
      help: '1 while the session table answers (cluster mode: Redis renewed this node\'s lease within half its TTL), else 0',
      registers: [this.registry],
      collect() {
        this.set(reachable() ? 1 : 0);
      },
    });
  }

  /** Stops the event-loop sampler. */
  close(): void {
    this.loopDelay.disable();
  }
}
