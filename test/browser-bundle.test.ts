/**
 * The browser build of the client library: src/client/index.ts bundled by
 * esbuild for platform 'browser' must pull no Node built-in (node:*, ws, fs,
 * ...) into its graph, and `npm run build` must have written the bundle
 * dist/browser/tim-client.js as a self-contained ES module.
 */
import { existsSync, readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { join } from 'node:path';
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';
import { packageRoot } from '../src/package-root.js';

/** Modules that only exist in Node: its built-ins, and `ws`. */
const nodeOnly = new Set([...builtinModules, ...builtinModules.map((m) => `node:${m}`), 'ws']);

/**
 * protobufjs/light lists `fs` in its package.json "browser" field as false (esbuild
 * replaces it with an empty module); it is used only by Root.load from files,
 * which the client never calls. Nothing else may be disabled or external.
 */
const allowedDisabled = new Set(['(disabled):fs']);

describe('browser bundle of the client library', () => {
  it('has no Node built-in in its module graph', async () => {
    const result = await build({
      entryPoints: [join(packageRoot, 'src', 'client', 'index.ts')],
      bundle: true,
      format: 'esm',
      platform: 'browser',
      write: false,
      metafile: true,
      logLevel: 'silent',
    });
    const inputs = Object.keys(result.metafile.inputs);
    expect(inputs.some((i) => i.endsWith('src/client/client.ts'))).toBe(true);
    const offending = inputs.filter((i) => (i.startsWith('(disabled):') && !allowedDisabled.has(i)) || nodeOnly.has(i.replace(/^\(disabled\):/, '')) && !allowedDisabled.has(i));
    expect(offending).toEqual([]);
    const imports = Object.values(result.metafile.outputs).flatMap((o) => o.imports.map((i) => i.path));
    expect(imports.filter((p) => nodeOnly.has(p) || p.startsWith('node:'))).toEqual([]);
    expect(inputs.filter((i) => /node_modules\/ws\//.test(i) || /src\/client\/node(-socket)?\.ts$/.test(i))).toEqual([]);
  });

  it('npm run build wrote dist/browser/tim-client.js, an ES module that imports nothing and exports TimClient', () => {
    const file = join(packageRoot, 'dist', 'browser', 'tim-client.js');
    expect(existsSync(file), `${file} missing: run npm run build`).toBe(true);
    const code = readFileSync(file, 'utf8');
    expect(code).not.toMatch(/\bimport\s*[{*\w][^;]*from\s*["']/); // self-contained
    expect(code).not.toMatch(/require\(["'](node:|ws["']|fs["'])/);
    expect(code).toMatch(/export\s*\{[^}]*\bTimClient\b/);
  });
});
