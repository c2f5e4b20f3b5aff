// Builds the dashboard into dist/web/dashboard: app.js (esbuild, minified), index.html (web/build-page.mjs's shell
// around body.html) and style.css. Run by `npm run build`; the admin listener serves that folder at /.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { buildPage } from '../build-page.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const out = join(here, '..', '..', 'dist', 'web', 'dashboard');
await buildPage({ dir: here, out, title: 'tim-gateway dashboard', esbuild: { minify: true, sourcemap: false } });
const gz = ['app.js', 'style.css', 'index.html'].reduce((n, f) => n + gzipSync(readFileSync(join(out, f))).length, 0);
// on stderr: `npm pack --json` (whose prepare runs this) keeps stdout for its JSON
console.error(`dashboard: ${out} (${(gz / 1024).toFixed(1)} KB gzipped)`);
