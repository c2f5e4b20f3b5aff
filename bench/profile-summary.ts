/**
 * Reads a V8 .cpuprofile and tells where the time went: self time per
 * function and per package/folder, as a percentage of the busy (non-idle) time.
 */
import { readFileSync } from 'node:fs';

interface ProfileNode {
  readonly id: number;
  readonly callFrame: { readonly functionName: string; readonly url: string; readonly lineNumber: number };
}

interface Profile {
  readonly nodes: ProfileNode[];
  readonly samples: number[];
  readonly timeDeltas: number[];
}

/** Which part of the stack a script URL belongs to: a package, a project folder, or Node itself. */
function area(url: string): string {
  if (!url) return '(native/GC/program)';
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (pkg) return pkg[1]!;
  const own = /\/dist\/((?:src|bench)\/[^/]+)/.exec(url);
  if (own) return own[1]!;
  if (url.startsWith('node:')) return url.split('/')[0]!;
  return url;
}

/** A text summary: the `top` functions by self time, then the time per area; with `logins`, also µs per login. */
export function summarizeProfile(file: string, top = 25, logins = 0): string {
  const p = JSON.parse(readFileSync(file, 'utf8')) as Profile;
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const selfByFn = new Map<string, number>();
  const selfByArea = new Map<string, number>();
  let busy = 0;
  p.samples.forEach((id, i) => {
    const n = byId.get(id)!;
    const dt = p.timeDeltas[i] ?? 0;
    if (n.callFrame.functionName === '(idle)') return;
    busy += dt;
    const f = n.callFrame;
    const key = `${f.functionName || '(anonymous)'} ${f.url.replace(/^.*\/(node_modules|dist)\//, '$1/')}:${f.lineNumber + 1}`;
    selfByFn.set(key, (selfByFn.get(key) ?? 0) + dt);
    const a = f.functionName.startsWith('(') ? f.functionName : area(f.url);
    selfByArea.set(a, (selfByArea.get(a) ?? 0) + dt);
  });
  const pct = (x: number): string => `${((100 * x) / busy).toFixed(1).padStart(5)}%${logins ? ` ${(x / logins).toFixed(1).padStart(6)} µs/login` : ''}`;
  const rank = (m: Map<string, number>, n: number) =>
    [...m.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, n)
      .map(([k, v]) => `${pct(v)}  ${k}`);
  return [`busy ${(busy / 1000).toFixed(0)} ms`, '', 'self time by function:', ...rank(selfByFn, top), '', 'self time by area:', ...rank(selfByArea, 20)].join('\n');
}
