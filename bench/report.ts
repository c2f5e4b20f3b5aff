/**
 * The results table: one row per figure with the gateway's value, the
 * baseline's, their ratio and the target, rendered as bench/RESULTS.md.
 */
import { cpus, loadavg, totalmem } from 'node:os';

/** One figure of the table. */
export interface Row {
  readonly scenario: string;
  readonly figure: string;
  /** The gateway's median (or "not run: ..."). */
  readonly value: number | string;
  /** The baseline's median, or what the figure is compared with; null when there is none. */
  readonly baseline: number | null;
  readonly unit: string;
  /** Target, e.g. { ratioAtLeast: 0.85 } or { below: 10 }. */
  readonly target?: { readonly ratioAtLeast?: number; readonly ratioAtMost?: number; readonly below?: number; readonly atLeast?: number; readonly atMost?: number };
}

const fmt = (x: number, unit: string): string => {
  if (!Number.isFinite(x)) return 'n/a';
  const digits = Math.abs(x) >= 100 ? 0 : Math.abs(x) >= 10 ? 1 : 2;
  return `${x.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: 0 })}${unit ? ` ${unit}` : ''}`;
};

function targetText(r: Row): string {
  const t = r.target;
  if (!t) return '';
  if (t.ratioAtLeast !== undefined) return `ratio ≥ ${t.ratioAtLeast}`;
  if (t.ratioAtMost !== undefined) return `ratio ≤ ${t.ratioAtMost}`;
  if (t.below !== undefined) return `< ${fmt(t.below, r.unit)}`;
  if (t.atLeast !== undefined) return `≥ ${fmt(t.atLeast, r.unit)}`;
  if (t.atMost !== undefined) return `≤ ${fmt(t.atMost, r.unit)}`;
  return '';
}

function met(r: Row, ratio: number): string {
  const t = r.target;
  if (!t || typeof r.value !== 'number' || !Number.isFinite(r.value)) return '';
  const ok =
    (t.ratioAtLeast === undefined || ratio >= t.ratioAtLeast) &&
    (t.ratioAtMost === undefined || ratio <= t.ratioAtMost) &&
    (t.below === undefined || r.value < t.below) &&
    (t.atLeast === undefined || r.value >= t.atLeast) &&
    (t.atMost === undefined || r.value <= t.atMost);
  return ok ? 'met' : '**missed**';
}

/** Renders the markdown table of `rows`. */
export function table(rows: readonly Row[]): string {
  const lines = ['| scenario | figure | tim-gateway | baseline | ratio | target | |', '|---|---|---:|---:|---:|---|---|'];
  for (const r of rows) {
    const value = typeof r.value === 'number' ? fmt(r.value, r.unit) : r.value;
    const ratio = typeof r.value === 'number' && r.baseline !== null ? r.value / r.baseline : NaN;
    const base = r.baseline === null ? '' : fmt(r.baseline, r.unit);
    lines.push(`| ${r.scenario} | ${r.figure} | ${value} | ${base} | ${Number.isFinite(ratio) ? ratio.toFixed(2) : ''} | ${targetText(r)} | ${met(r, ratio)} |`);
  }
  return lines.join('\n');
}

/** The machine the bench ran on, for the header. */
export function machine(): string {
  const c = cpus();
  return `${c.length} × ${c[0]?.model.trim() ?? 'unknown CPU'}, ${(totalmem() / 2 ** 30).toFixed(1)} GiB memory, Node ${process.version}, ${process.platform}`;
}

/** The 1/5/15-minute load averages. */
export function load(): string {
  return loadavg()
    .map((x) => x.toFixed(2))
    .join(' / ');
}
