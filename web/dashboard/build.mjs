// Builds the dashboard into dist/web/dashboard: app.js (esbuild, minified), index.html and style.css.
// Run by `npm run build`; the admin listener serves that folder at /.
import { build } from 'esbuild';
import { copyFileSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

const here = dirname(fileURLToPath(import.meta.url));
const out = join(here, '..', '..', 'dist', 'web', 'dashboard');
mkdirSync(out, { recursive: true });
await build({
  entryPoints: [join(here, 'src', 'main.ts')],
  outfile: join(out, 'app.js'),
  bundle: true,
  minify: true,
  format: 'esm',
  target: ['es2022'],
  sourcemap: false,
  legalComments: 'none',
  logLevel: 'warning',
});
for (const f of ['index.html', 'style.css']) copyFileSync(join(here, f), join(out, f));
const gz = ['app.js', 'style.css', 'index.html'].reduce((n, f) => n + gzipSync(readFileSync(join(out, f))).length, 0);
// on stderr: `npm pack --json` (whose prepare runs this) keeps stdout for its JSON
console.error(`dashboard: ${out} (${(gz / 1024).toFixed(1)} KB gzipped)`);
