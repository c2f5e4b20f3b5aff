/**
 * No upward imports (issue 10, reshape): the auth layer reaches the session
 * store only through its ports (src/auth/token-store.ts for tokens and listed
 * sessions, src/auth/jwt-revocations.ts for revoked JWTs), so no file of
 * src/auth/, nor anything it imports, imports from src/session/. Metrics (used
 * by the session layer) know nothing of it either, so the two form no cycle.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { packageRoot } from '../src/package-root.js';

/** Every src/ file `file` imports, directly or not (relative imports, type-only ones included). */
function importsOf(file: string, seen = new Set<string>()): Set<string> {
  const source = readFileSync(file, 'utf8');
  for (const m of source.matchAll(/^(?:import|export)\b[^;]*?from\s+'(\.{1,2}\/[^']+)'/gms)) {
    const target = resolve(dirname(file), m[1]!.replace(/\.js$/, '.ts'));
    if (seen.has(target)) continue;
    seen.add(target);
    importsOf(target, seen);
  }
  return seen;
}

describe('layers', () => {
  it('src/auth/token.ts imports nothing from src/session/, directly or through another file', () => {
    const src = join(packageRoot, 'src');
    const reached = [...importsOf(join(src, 'auth', 'token.ts'))].map((f) => relative(src, f));
    expect(reached.length).toBeGreaterThan(0);
    expect(reached.filter((f) => f.startsWith('session/'))).toEqual([]);
  });

  it('no file of src/auth/ imports from src/session/, directly or through another file', () => {
    const src = join(packageRoot, 'src');
    const files = readdirSync(join(src, 'auth')).filter((f) => f.endsWith('.ts'));
    expect(files).toEqual(expect.arrayContaining(['gateway-token.ts', 'login-authenticator.ts', 'jwt-revocations.ts']));
    const upward = files.flatMap((f) => [...importsOf(join(src, 'auth', f))].map((t) => relative(src, t)).filter((t) => t.startsWith('session/')).map((t) => `auth/${f} -> ${t}`));
    expect(upward).toEqual([]);
  });

  it('src/metrics.ts imports nothing from src/session/ (the session layer uses metrics, not the other way round)', () => {
    const src = join(packageRoot, 'src');
    const reached = [...importsOf(join(src, 'metrics.ts'))].map((f) => relative(src, f));
    expect(reached.length).toBeGreaterThan(0);
    expect(reached.filter((f) => f.startsWith('session/'))).toEqual([]);
  });
});
