/**
 * The account view: find domain + name, list its sessions (GET
 * /api/v1/online), kick one session or all of them with a block (POST
 * /api/v1/kick), send a notice or ask it to log out (POST /api/v1/notice),
 * and the limits that apply (GET /api/v1/limits, an extension, or the
 * account's own limits when its sessions' extend carries them).
 */
import type { TimSession } from '../../../src/protocol/types.js';
import { api, ApiError, query } from './api.js';
import { field, h, replace, table } from './dom.js';
import type { EventStream } from './event-stream.js';
import { ago, clock, domainLabel } from './format.js';
import { Coalescer } from './throttle.js';

/** GET /api/v1/limits (extension). */
interface Limits {
  device_limit: number;
  devicetype_limit: number;
  overentry: string;
  auth_min_unix: number;
}

/** Limit keys an identity may carry for itself (auth_url answer or JWT claims, kept in the session's extend). */
const accountLimitKeys = ['device_limit', 'devicetype_limit', 'overentry'] as const;
/** How long a first click on Kick waits for the confirming one. */
const CONFIRM_MS = 5000;

/** Shows an action's outcome in the view's status line. */
type Say = (text: string, error?: boolean) => void;

/** The account view. */
export class AccountView {
  readonly element = h('section', { 'aria-labelledby': 'account-title' });
  private readonly domainInput = h('input', { name: 'domain', autocomplete: 'off', placeholder: '(default domain)' });
  private readonly nameInput = h('input', { name: 'name', autocomplete: 'off', required: true });
  private readonly result = h('div', { id: 'account-result' });
  private readonly status = h('p', { class: 'status', role: 'status', id: 'account-status' });
  private readonly heading = h('h3', { id: 'account-heading' });
  private readonly sessionsBox = h('div', { id: 'sessions' });
  private readonly limitsBox = h('div', { id: 'limits' });
  private account: { domain: string; name: string } | null = null;
  private readonly reload = new Coalescer(() => this.load(), 500);

  constructor(events: EventStream) {
    const form = h(
      'form',
      { class: 'inline-form', role: 'search', onsubmit: (e) => this.search(e) },
      field('Domain', this.domainInput),
      field('Account name', this.nameInput),
      h('button', { type: 'submit' }, 'Find'),
    );
    replace(this.element, h('h2', { id: 'account-title' }, 'Account'), form, this.status, this.result);
    events.subscribe((ev) => {
      if (this.account && ev.domain === this.account.domain && ev.name === this.account.name) this.reload.run();
    });
  }

  private say: Say = (text, error = false) => {
    this.status.textContent = text;
    this.status.classList.toggle('error', error);
  };

  private search(e: Event): void {
    e.preventDefault();
    const acc = { domain: this.domainInput.value.trim(), name: this.nameInput.value.trim() };
    this.account = acc;
    this.say('');
    replace(this.result, this.heading, this.sessionsBox, this.limitsBox, h('div', { class: 'columns' }, this.kickAllForm(acc), this.noticeForm(acc)));
    replace(this.heading, `${acc.name} in ${domainLabel(acc.domain)}`);
    replace(this.sessionsBox);
    replace(this.limitsBox);
    this.reload.run();
  }

  /** Reads the account's sessions and limits again (after a search, an action, or an event of the account). */
  private async load(): Promise<void> {
    const acc = this.account;
    if (!acc) return;
    try {
      const [online, limits] = await Promise.all([
        api<{ accounts: { sessions: TimSession[] }[] }>('GET', `/api/v1/online?${query({ domain: acc.domain, name: acc.name })}`),
        api<Limits>('GET', `/api/v1/limits?${query({ domain: acc.domain })}`),
      ]);
      if (acc !== this.account) return;
      const sessions = online.accounts[0]?.sessions ?? [];
      const now = Date.now();
      replace(this.heading, `${acc.name} in ${domainLabel(acc.domain)}: ${sessions.length} session${sessions.length === 1 ? '' : 's'}`);
      replace(
        this.sessionsBox,
        table(
          `Sessions of ${acc.name}`,
          ['ssid', 'termtyp', 'Resource', 'IP', 'Gateway', 'Login time', 'Last seen', ''],
          sessions,
          (s) => [h('code', {}, s.ssid), s.termtyp, s.resource, s.ip, s.gateway, clock(s.loginTime), ago(s.refreshTime, now), this.kickButton(acc, s)],
          'No session online.',
        ),
      );
      replace(this.limitsBox, this.limitsList(sessions, limits));
    } catch (err) {
      this.say(err instanceof ApiError ? `Lookup refused: ${err.message}` : 'Lookup failed', true);
    }
  }

  /** The session whose Kick was clicked once and awaits the confirming click (kept across refreshes of the table). */
  private armed: { ssid: string; timer: ReturnType<typeof setTimeout> } | null = null;

  /** Sets the label of a session's Kick button as rendered now (the table may have been refreshed since). */
  private relabel(ssid: string, text: string): void {
    const shown = this.sessionsBox.querySelector(`button[aria-label="${CSS.escape(`Kick session ${ssid}`)}"]`);
    if (shown) shown.textContent = text;
  }

  /** Disarms the waiting confirmation, if any. */
  private disarm(): void {
    if (!this.armed) return;
    clearTimeout(this.armed.timer);
    this.relabel(this.armed.ssid, 'Kick');
    this.armed = null;
  }

  private kickButton(acc: { domain: string }, s: TimSession): HTMLElement {
    return h('button', {
      type: 'button',
      class: 'danger small',
      'aria-label': `Kick session ${s.ssid}`,
      onclick: () => {
        if (this.armed?.ssid !== s.ssid) {
          this.disarm();
          this.armed = { ssid: s.ssid, timer: setTimeout(() => this.disarm(), CONFIRM_MS) };
          this.relabel(s.ssid, 'Confirm kick');
          return;
        }
        this.disarm();
        void this.act(`Kick ${s.ssid}`, () => api<{ kicked: number }>('POST', '/api/v1/kick', { domain: acc.domain, names: [], ssids: [s.ssid], reason: '', blockSeconds: 0 }).then((r) => `${r.kicked} session kicked.`));
      },
    }, this.armed?.ssid === s.ssid ? 'Confirm kick' : 'Kick');
  }

  private limitsList(sessions: TimSession[], limits: Limits): HTMLElement {
    const own = sessions.map((s) => s.extend ?? {}).find((x) => accountLimitKeys.some((k) => k in x));
    const value = (k: (typeof accountLimitKeys)[number]): string => own?.[k] ?? String(limits[k]);
    return h(
      'dl',
      { class: 'limits', 'aria-label': 'Limits that apply' },
      h('dt', {}, 'Limits'), h('dd', {}, own ? "the account's own (from its session's extend)" : `the domain's`),
      h('dt', {}, 'Devices'), h('dd', {}, value('device_limit')),
      h('dt', {}, 'Per terminal type'), h('dd', {}, value('devicetype_limit')),
      h('dt', {}, 'Over entry'), h('dd', {}, value('overentry')),
      h('dt', {}, 'Never kicked before'), h('dd', {}, `${limits.auth_min_unix} s`),
    );
  }

  private kickAllForm(acc: { domain: string; name: string }): HTMLElement {
    const minutes = h('input', { type: 'number', name: 'blockMinutes', min: 0, max: 525600, value: 10, required: true });
    const reason = h('input', { name: 'reason', maxlength: 256, placeholder: 'shown to the client' });
    return h(
      'form',
      { class: 'panel', 'aria-label': 'Kick all sessions', onsubmit: (e) => {
        e.preventDefault();
        const blockSeconds = Math.round(Number(minutes.value) * 60);
        void this.act('Kick all', () =>
          api<{ kicked: number }>('POST', '/api/v1/kick', { domain: acc.domain, names: [acc.name], ssids: [], reason: reason.value, blockSeconds }).then(
            (r) => `${r.kicked} session${r.kicked === 1 ? '' : 's'} kicked${blockSeconds ? `, logins blocked for ${minutes.value} min` : ''}.`,
          ),
        );
      } },
      h('h3', {}, 'Kick all and block'),
      field('Block new logins for (minutes)', minutes),
      field('Reason', reason),
      h('button', { type: 'submit', class: 'danger' }, 'Kick all'),
    );
  }

  private noticeForm(acc: { domain: string; name: string }): HTMLElement {
    const text = h('textarea', { name: 'dataString', rows: 3, maxlength: 4096, required: true });
    const kind = h('select', { name: 'odType' }, h('option', { value: '1' }, 'Notice (INFO)'), h('option', { value: '2' }, 'Ask to log out (LOGOUT_REQUEST)'));
    return h(
      'form',
      { class: 'panel', 'aria-label': 'Send a notice', onsubmit: (e) => {
        e.preventDefault();
        const what = kind.value === '2' ? 'Request to log out' : 'Notice';
        void this.act(what, () =>
          api<{ reached: number }>('POST', '/api/v1/notice', { domain: acc.domain, names: [acc.name], ssids: [], odType: Number(kind.value), dataString: text.value, extend: {} }).then(
            (r) => `${what} reached ${r.reached} session${r.reached === 1 ? '' : 's'}.`,
          ),
        );
      } },
      h('h3', {}, 'Send a notice'),
      field('Kind', kind),
      field('Text', text),
      h('button', { type: 'submit' }, 'Send'),
    );
  }

  private async act(what: string, call: () => Promise<string>): Promise<void> {
    try {
      this.say(await call());
    } catch (err) {
      this.say(err instanceof ApiError ? `${what} refused: ${err.message}` : `${what} failed`, true);
    }
    this.reload.run();
  }
}
