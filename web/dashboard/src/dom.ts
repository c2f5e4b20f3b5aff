/**
 * A tiny element builder: every text goes in through textContent (names,
 * resources and reasons come from clients and are never parsed as HTML).
 */

/** What may be a child of an element: nodes, text, nothing, or lists of those. */
export type Child = Node | string | number | null | undefined | false | readonly Child[];

/** Attributes and properties of an element: `on…` functions become listeners, booleans toggle, `class` sets the class. */
export type Attrs = Record<string, string | number | boolean | null | undefined | ((ev: Event) => void)>;

/** Builds an element with attributes and children. */
export function h<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Attrs = {}, ...children: Child[]): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === null || v === undefined || v === false) continue;
    if (typeof v === 'function') el.addEventListener(k.slice(2), v);
    else if (v === true) el.setAttribute(k, '');
    else el.setAttribute(k, String(v));
  }
  append(el, children);
  return el;
}

/** Appends children (flattening lists, skipping empty ones). */
export function append(parent: Node, children: readonly Child[]): void {
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    if (Array.isArray(c)) append(parent, c as readonly Child[]);
    else parent.appendChild(c instanceof Node ? c : document.createTextNode(String(c)));
  }
}

/** Replaces every child of `parent`. */
export function replace(parent: Node, ...children: Child[]): void {
  while (parent.firstChild) parent.removeChild(parent.firstChild);
  append(parent, children);
}

/** A table with a header row and one row per item; `cells` gives an item's cells (number columns are right-aligned, header included). */
export function table<T>(caption: string, headers: readonly string[], items: readonly T[], cells: (item: T) => Child[], empty: string): HTMLElement {
  if (items.length === 0) return h('p', { class: 'empty' }, empty);
  const rows = items.map(cells);
  const numeric = headers.map((_, i) => typeof rows[0]![i] === 'number');
  const align = (i: number): Record<string, string> => (numeric[i] ? { class: 'num' } : {});
  return h(
    'div',
    { class: 'table-wrap' },
    h(
      'table',
      {},
      h('caption', { class: 'visually-hidden' }, caption),
      h('thead', {}, h('tr', {}, headers.map((t, i) => h('th', { scope: 'col', ...align(i) }, t)))),
      h('tbody', {}, rows.map((r) => h('tr', {}, r.map((c, i) => h('td', align(i), c))))),
    ),
  );
}

/** A labelled form field. */
export function field(label: string, input: HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement): HTMLElement {
  return h('label', { class: 'field' }, h('span', {}, label), input);
}
