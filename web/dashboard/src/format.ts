/** Display formats shared by the views. */

/** "14:03:07" for today, "2026-11-26 14:03" for older times; "" for 0. */
export function clock(ms: number): string {
  if (!ms) return '';
  const d = new Date(ms);
  const pad = (n: number): string => String(n).padStart(2, '0');
  const time = `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
  const today = new Date();
  if (d.toDateString() === today.toDateString()) return time;
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${time.slice(0, 5)}`;
}

/** "5 s ago", "3 min ago", "2 h ago". */
export function ago(ms: number, now = Date.now()): string {
  const s = Math.max(0, Math.round((now - ms) / 1000));
  if (s < 60) return `${s} s ago`;
  if (s < 3600) return `${Math.floor(s / 60)} min ago`;
  return `${Math.floor(s / 3600)} h ago`;
}

/** A domain as shown: the empty domain is a domain too. */
export function domainLabel(domain: string): string {
  return domain === '' ? '(default)' : domain;
}

/** A number with thousands separators. */
export function count(n: number): string {
  return n.toLocaleString('en-US');
}
