/**
 * Tokens: stats (GET /api/v1/token-stats, read again every 30 s while shown
 * and on Refresh), "clean up expired tokens" (POST /api/v1/cleanup-tokens),
 * and a single-use login token for an account (POST /api/v1/token), shown
 * once with a copy button.
 */
import { api, ApiError } from './api.js';
import { field, h, replace } from './dom.js';
import { clock, count } from './format.js';

/** How often the stats are read again while the view is shown (as the reference's admin screen does). */
const STATS_REFRESH_MS = 30_000;

/** The tokens view. */
export class TokensView {
  readonly element = h('section', { 'aria-labelledby': 'tokens-title' });
  private readonly statsBox = h('div', { class: 'cards', id: 'token-stats' });
  private readonly status = h('p', { class: 'status', role: 'status', id: 'tokens-status' });
  private readonly issued = h('div', { id: 'issued-token' });

  constructor() {
    const domain = h('input', { name: 'domain', autocomplete: 'off', placeholder: '(default domain)' });
    const name = h('input', { name: 'name', autocomplete: 'off', required: true });
    const ttl = h('input', { type: 'number', name: 'ttlSeconds', min: 0, max: 86400, value: 60, required: true });
    const issue = h(
      'form',
      { class: 'panel', 'aria-label': 'Issue a login token', onsubmit: (e) => {
        e.preventDefault();
        void this.issue(domain.value.trim(), name.value.trim(), Number(ttl.value));
      } },
      h('h3', {}, 'Issue a single-use login token'),
      h('div', { class: 'inline-form' }, field('Domain', domain), field('Account name', name), field('Lives (seconds, 0 = default)', ttl), h('button', { type: 'submit' }, 'Issue')),
      this.issued,
    );
    const cleanup = h('button', { type: 'button', id: 'tokens-cleanup', onclick: () => void this.cleanup(cleanup) }, 'Clean up expired tokens');
    const refresh = h('button', { type: 'button', class: 'secondary', id: 'tokens-refresh', onclick: () => void this.loadStats() }, 'Refresh');
    replace(this.element, h('h2', { id: 'tokens-title' }, 'Tokens'), this.statsBox, h('p', { class: 'actions' }, cleanup, refresh), this.status, issue);
    setInterval(() => {
      if (this.element.isConnected) void this.loadStats();
    }, STATS_REFRESH_MS);
  }

  /** Shows the view: the stats read again, no token of an earlier visit. */
  async show(): Promise<void> {
    replace(this.issued);
    await this.loadStats();
  }

  private async loadStats(): Promise<void> {
    try {
      const s = await api<{ activeTokenCount: number; totalTokenCount: number }>('GET', '/api/v1/token-stats');
      const card = (label: string, n: number): HTMLElement => h('div', { class: 'card' }, h('div', { class: 'card-label' }, label), h('div', { class: 'card-value' }, count(n)));
      replace(this.statsBox, card('Active tokens', s.activeTokenCount), card('Stored tokens', s.totalTokenCount), card('Expired, not yet removed', s.totalTokenCount - s.activeTokenCount));
    } catch (err) {
      this.say(err instanceof ApiError ? `Token stats refused: ${err.message}` : 'Token stats failed', true);
    }
  }

  private say(text: string, error = false): void {
    this.status.textContent = text;
    this.status.classList.toggle('error', error);
  }

  private async cleanup(button: HTMLButtonElement): Promise<void> {
    button.disabled = true;
    this.say('Cleaning up…');
    try {
      const r = await api<{ removed: number; timestamp: number }>('POST', '/api/v1/cleanup-tokens');
      await this.loadStats();
      this.say(`Removed ${r.removed} expired token${r.removed === 1 ? '' : 's'} at ${clock(r.timestamp)}.`);
    } catch (err) {
      this.say(err instanceof ApiError ? `Clean-up refused: ${err.message}` : 'Clean-up failed', true);
    } finally {
      button.disabled = false;
    }
  }

  private async issue(domain: string, name: string, ttlSeconds: number): Promise<void> {
    try {
      const r = await api<{ token: string; expires: number }>('POST', '/api/v1/token', { domain, name, ttlSeconds, extend: {} });
      const box = h('input', { readonly: true, value: r.token, 'aria-label': 'Login token', class: 'token', id: 'token-value' });
      const copy = h('button', { type: 'button', onclick: () => void copyText(box, copy) }, 'Copy');
      replace(this.issued, h('p', {}, `Token for ${name}, single use, valid until ${clock(r.expires)}. It is shown only once.`), h('div', { class: 'inline-form' }, box, copy));
      box.select();
    } catch (err) {
      replace(this.issued, h('p', { class: 'status error', role: 'alert' }, err instanceof ApiError ? `Refused: ${err.message}` : 'Issuing failed'));
    }
  }
}

/** Copies an input's text to the clipboard (the Clipboard API where allowed, else the selection). */
async function copyText(box: HTMLInputElement, button: HTMLButtonElement): Promise<void> {
  try {
    await navigator.clipboard.writeText(box.value);
  } catch {
    box.select();
    document.execCommand('copy');
  }
  button.textContent = 'Copied';
  setTimeout(() => (button.textContent = 'Copy'), 2000);
}
