/**
 * Per-second counts over the last 10 minutes, kept in the page, and their
 * drawing as a small SVG sparkline.
 */

/** Seconds a series covers. */
export const WINDOW_SECONDS = 600;

/** Counts per second for the last WINDOW_SECONDS seconds (a ring; no store). */
export class RateSeries {
  private readonly counts = new Uint32Array(WINDOW_SECONDS);
  /** The second (since epoch) the newest slot stands for. */
  private newest = Math.floor(Date.now() / 1000);

  /** Counts one occurrence at `ms` (ignored when older than the window). */
  add(ms: number): void {
    const sec = Math.floor(ms / 1000);
    this.advance(Math.max(sec, Math.floor(Date.now() / 1000)));
    if (sec <= this.newest - WINDOW_SECONDS) return;
    this.counts[sec % WINDOW_SECONDS]! += 1;
  }

  /** The counts, oldest first, up to now. */
  values(now = Date.now()): number[] {
    this.advance(Math.floor(now / 1000));
    const out: number[] = [];
    for (let s = this.newest - WINDOW_SECONDS + 1; s <= this.newest; s++) out.push(this.counts[s % WINDOW_SECONDS]!);
    return out;
  }

  private advance(sec: number): void {
    if (sec <= this.newest) return;
    const steps = Math.min(sec - this.newest, WINDOW_SECONDS);
    for (let i = 1; i <= steps; i++) this.counts[(this.newest + i) % WINDOW_SECONDS] = 0;
    this.newest = sec;
  }
}

const SVG = 'http://www.w3.org/2000/svg';

/** Sums of `values` over `width` equal slices (a 600-point series drawn at 120 points). */
function downsample(values: readonly number[], width: number): number[] {
  const per = Math.max(1, Math.ceil(values.length / width));
  const out: number[] = [];
  for (let i = 0; i < values.length; i += per) out.push(values.slice(i, i + per).reduce((a, b) => a + b, 0) / per);
  return out;
}

/** An SVG sparkline of `values` (per-second rates), with `label` as its accessible name. */
export function sparkline(values: readonly number[], label: string): SVGSVGElement {
  const points = downsample(values, 120);
  const w = 240;
  const hgt = 40;
  const max = Math.max(1, ...points);
  const svg = document.createElementNS(SVG, 'svg');
  svg.setAttribute('viewBox', `0 0 ${w} ${hgt}`);
  svg.setAttribute('preserveAspectRatio', 'none');
  svg.setAttribute('class', 'spark');
  svg.setAttribute('role', 'img');
  svg.setAttribute('aria-label', label);
  const step = w / Math.max(1, points.length - 1);
  const coords = points.map((v, i) => `${(i * step).toFixed(1)},${(hgt - 2 - (v / max) * (hgt - 4)).toFixed(1)}`);
  const area = document.createElementNS(SVG, 'polygon');
  area.setAttribute('points', `0,${hgt} ${coords.join(' ')} ${w},${hgt}`);
  area.setAttribute('class', 'spark-area');
  const line = document.createElementNS(SVG, 'polyline');
  line.setAttribute('points', coords.join(' '));
  line.setAttribute('class', 'spark-line');
  svg.append(area, line);
  return svg;
}
