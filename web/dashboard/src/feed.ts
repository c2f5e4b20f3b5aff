/**
 * The live events feed: ONLINE/OFFLINE/KICKED/REJECTED as they arrive,
 * filtered by domain and kind, pausable (the rows stay as they were, filters
 * still apply), newest first, never more than MAX_EVENTS kept (older ones are
 * dropped, also while paused).
 */
import { field, h, replace, table } from './dom.js';
import { eventKinds, type EventStream, type PresenceEvent } from './event-stream.js';
import { clock, domainLabel } from './format.js';

/** Events kept in the page. */
export const MAX_EVENTS = 500;
/** Rows drawn (the rest stay in memory for a change of filter). */
const MAX_ROWS = 200;

/** The events view. */
export class Feed {
  readonly element = h('section', { 'aria-labelledby': 'events-title' });
  private readonly events: PresenceEvent[] = [];
  /** The events shown while paused (a copy taken at the pause), or null while live. */
  private frozen: PresenceEvent[] | null = null;
  private unseen = 0;
  private readonly domainInput = h('input', { name: 'domain', autocomplete: 'off', placeholder: 'all domains' });
  private readonly kindBoxes = new Map(eventKinds.map((k) => [k, h('input', { type: 'checkbox', name: k, checked: true })]));
  private readonly pauseButton = h('button', { type: 'button', 'aria-pressed': 'false', id: 'events-pause' }, 'Pause');
  private readonly summary = h('p', { class: 'status', role: 'status', id: 'events-summary' });
  private readonly rows = h('div', { id: 'event-rows' });
  private drawPending = false;

  constructor(events: EventStream) {
    const kinds = h('fieldset', { class: 'kinds' }, h('legend', {}, 'Kinds'), [...this.kindBoxes].map(([k, box]) => h('label', { class: `check kind-${k}` }, box, k.toUpperCase())));
    const filters = h('form', { class: 'inline-form', onsubmit: (e) => e.preventDefault(), oninput: () => this.draw() }, field('Domain', this.domainInput), kinds, this.pauseButton);
    this.pauseButton.addEventListener('click', () => this.togglePause());
    replace(this.element, h('h2', { id: 'events-title' }, 'Live events'), filters, this.summary, this.rows);
    events.subscribe((ev) => this.add(ev));
    this.draw();
  }

  private add(ev: PresenceEvent): void {
    this.events.unshift(ev);
    if (this.events.length > MAX_EVENTS) this.events.length = MAX_EVENTS;
    if (this.frozen) {
      this.unseen = Math.min(this.unseen + 1, MAX_EVENTS);
      this.summarize();
      return;
    }
    if (this.drawPending) return;
    this.drawPending = true;
    requestAnimationFrame(() => this.draw());
  }

  private togglePause(): void {
    this.frozen = this.frozen ? null : this.events.slice();
    this.unseen = 0;
    this.pauseButton.textContent = this.frozen ? 'Resume' : 'Pause';
    this.pauseButton.setAttribute('aria-pressed', String(this.frozen !== null));
    this.draw();
  }

  private shown(): PresenceEvent[] {
    const domain = this.domainInput.value.trim();
    return (this.frozen ?? this.events).filter((ev) => this.kindBoxes.get(ev.kind)!.checked && (domain === '' || ev.domain === domain));
  }

  private draw(): void {
    this.drawPending = false;
    const shown = this.shown();
    replace(
      this.rows,
      table('Presence events, newest first', ['Time', 'Kind', 'Domain', 'Name', 'ssid', 'Resource', 'termtyp', 'IP', 'Reason'], shown.slice(0, MAX_ROWS), (ev) => [
        clock(ev.time),
        h('span', { class: `kind kind-${ev.kind}` }, ev.kind.toUpperCase()),
        domainLabel(ev.domain),
        ev.name,
        h('code', {}, ev.ssid),
        ev.resource,
        ev.termtyp,
        ev.ip ?? '',
        ev.reason,
      ], 'No event yet.'),
    );
    this.summarize();
  }

  private summarize(): void {
    const state = this.frozen ? `Paused: ${this.unseen} new event${this.unseen === 1 ? '' : 's'} not shown.` : 'Live.';
    this.summary.textContent = `${state} ${this.events.length} of at most ${MAX_EVENTS} events kept.`;
  }
}
