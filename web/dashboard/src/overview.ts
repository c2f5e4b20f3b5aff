/**
 * The overview: live counts and sessions per domain (GET /api/v1/stats, read
 * again whenever events arrive, at most once a second), the login and
 * refusal sparklines, and in cluster mode the gateway nodes with their
 * sessions and lease state (GET /api/v1/gateways, an extension).
 */
import { api } from './api.js';
import { h, replace, table } from './dom.js';
import type { EventStream } from './event-stream.js';
import { count, domainLabel } from './format.js';
import type { Rates } from './rates.js';
import { sparkline, WINDOW_SECONDS } from './sparkline.js';
import { Coalescer } from './throttle.js';

/** GET /api/v1/stats. */
interface Stats {
  sessions: number;
  accounts: number;
  connections: number;
  gateways: number;
  tokens: number;
  perDomain: Record<string, number>;
}

/** GET /api/v1/gateways (extension). */
interface Gateways {
  mode: 'embedded' | 'cluster';
  gateways: { id: string; sessions: number; lease: 'live' | 'expired' | 'none'; expires: number }[];
}

/** Seconds between reads when no event arrives (connections and tokens change without events). */
const IDLE_REFRESH_MS = 10_000;

/** The overview view. */
export class Overview {
  readonly element = h('section', { 'aria-labelledby': 'overview-title' });
  private readonly countsBox = h('div', { class: 'cards', id: 'counts' });
  private readonly domainsBox = h('div', { id: 'per-domain' });
  private readonly sparkBox = h('div', { class: 'cards sparks', id: 'rates' });
  private readonly nodesBox = h('div', { id: 'nodes' });
  private readonly refresher = new Coalescer(() => this.load(), 1000);

  constructor(
    events: EventStream,
    private readonly rates: Rates,
  ) {
    replace(
      this.element,
      h('h2', { id: 'overview-title' }, 'Overview'),
      this.countsBox,
      h('h3', {}, 'Logins and refusals, last 10 minutes'),
      this.sparkBox,
      h('div', { class: 'columns' }, h('div', {}, h('h3', {}, 'Sessions per domain'), this.domainsBox), this.nodesBox),
    );
    events.subscribe(() => this.refresher.run());
    setInterval(() => this.refresher.run(), IDLE_REFRESH_MS);
    setInterval(() => this.drawRates(), 1000);
    this.refresher.run();
    this.drawRates();
  }

  private async load(): Promise<void> {
    const [stats, nodes] = await Promise.all([api<Stats>('GET', '/api/v1/stats'), api<Gateways>('GET', '/api/v1/gateways')]);
    const card = (id: string, label: string, n: number, note = ''): HTMLElement =>
      h('div', { class: 'card', 'data-count': id }, h('div', { class: 'card-label' }, label), h('div', { class: 'card-value' }, count(n)), note && h('div', { class: 'card-note' }, note));
    replace(
      this.countsBox,
      card('sessions', 'Sessions', stats.sessions),
      card('accounts', 'Accounts online', stats.accounts),
      card('connections', 'Connections', stats.connections, 'this node'),
      card('gateways', 'Gateways', stats.gateways),
      card('tokens', 'Live tokens', stats.tokens),
    );
    const domains = Object.entries(stats.perDomain).sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
    replace(this.domainsBox, table('Sessions per domain', ['Domain', 'Sessions'], domains, ([d, n]) => [domainLabel(d), n], 'No sessions.'));
    replace(
      this.nodesBox,
      nodes.mode === 'cluster' && [
        h('h3', {}, 'Gateway nodes'),
        table('Gateway nodes', ['Node', 'Sessions', 'Lease'], nodes.gateways, (g) => [g.id, g.sessions, h('span', { class: `lease lease-${g.lease}` }, g.lease)], 'No live node.'),
      ],
    );
  }

  private drawRates(): void {
    const now = Date.now();
    replace(
      this.sparkBox,
      this.rates.lines.map(({ title, series }) => {
        const values = series.values(now);
        const total = values.reduce((a, b) => a + b, 0);
        const lastMinute = values.slice(-60).reduce((a, b) => a + b, 0);
        return h(
          'figure',
          { class: 'card spark-card' },
          h('figcaption', { class: 'card-label' }, title),
          h('div', { class: 'spark-figures' }, h('span', { class: 'card-value' }, (lastMinute / 60).toFixed(2)), h('span', { class: 'unit' }, '/s last min'), h('span', { class: 'card-note' }, `${count(total)} in ${WINDOW_SECONDS / 60} min`)),
          sparkline(values, `${title}: ${total} in the last ${WINDOW_SECONDS / 60} minutes`),
        );
      }),
    );
  }
}
