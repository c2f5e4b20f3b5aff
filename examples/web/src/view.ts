/**
 * What the demo page shows: one screen at a time (log in, over entry, your
 * devices, logged out), the connection pill and the connection log. Every
 * text from the gateway goes in through textContent (dom.ts).
 */
import { h, replace, table } from '../../../web/dashboard/src/dom.js';
import type { TimSession } from './tim-client.js';

/** The screens of the page, by their section id. */
export type Screen = 'login-screen' | 'overentry-screen' | 'session-screen' | 'kicked-screen';

/** The element with id `id` (the page's markup has them all). */
export function byId<T extends HTMLElement = HTMLElement>(id: string): T {
  const el = document.getElementById(id);
  if (!el) throw new Error(`demo page: no #${id}`);
  return el as T;
}

/** Shows one screen and hides the others. */
export function show(screen: Screen): void {
  for (const id of ['login-screen', 'overentry-screen', 'session-screen', 'kicked-screen'] as const) byId(id).hidden = id !== screen;
}

/** Sets the text of element `id`. */
export function say(id: string, text: string): void {
  byId(id).textContent = text;
}

/** The connection pill: `online`, `reconnecting` or anything else (shown muted). */
export function connection(state: 'online' | 'reconnecting' | 'offline', text: string): void {
  const pill = byId('conn');
  pill.className = `pill ${state}`;
  pill.textContent = text;
}

/** Adds a line, with the time, to the list `id` (the connection log, the notices). */
export function logLine(id: 'events' | 'notices', text: string): void {
  const list = byId(id);
  list.prepend(h('li', {}, `${new Date().toLocaleTimeString()} ${text}`));
  while (list.children.length > 50) list.lastElementChild!.remove();
}

/** "laptop (termtyp 2) from 10.0.0.7", or what of it is known. */
export function deviceText(d: { readonly resource: string; readonly termtyp: number; readonly ip: string }): string {
  return `${d.resource || 'a device'} (termtyp ${d.termtyp})${d.ip ? ` from ${d.ip}` : ''}`;
}

const time = (ms: number): string => (ms ? new Date(ms).toLocaleString() : '');

/** The sessions table: one row per device; `action` gives the last cell of a row (a button, or a "this device" mark). */
export function sessionTable(id: string, sessions: readonly TimSession[], action: (s: TimSession) => Node): void {
  const rows = table(
    'Sessions of this account',
    ['Device', 'Terminal type', 'IP', 'Logged in', ''],
    sessions,
    (s) => [s.resource || '(unnamed)', s.termtyp, s.ip, time(s.loginTime), action(s)],
    'No sessions.',
  );
  for (const [i, tr] of [...rows.querySelectorAll('tbody tr')].entries()) tr.setAttribute('data-ssid', sessions[i]!.ssid);
  replace(byId(id), rows);
}

/** A checkbox that selects a session (over-entry screen), checked by default. */
export function pick(s: TimSession): HTMLInputElement {
  return h('input', { type: 'checkbox', name: 'kick', value: s.ssid, checked: true, 'aria-label': `Log out ${s.resource || s.ssid}` });
}

/** The "this device" mark of the own row. */
export const thisDevice = (): HTMLElement => h('span', { class: 'this-device' }, 'this device');

/** A small button. */
export function button(text: string, label: string, onclick: () => void): HTMLButtonElement {
  return h('button', { class: 'small danger', type: 'button', 'aria-label': label, onclick }, text);
}
