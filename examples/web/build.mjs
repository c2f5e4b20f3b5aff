// Builds the demo web app into dist/web/demo: app.js (esbuild; ./tim-client.js stays an import),
// index.html, style.css and the browser build of the client library (npm run build:browser writes it first).
// Run by `npm run build`; the client listener serves that folder at / when tim.json sets demo: true.
import { build } from 'esbuild';
import { copyFileSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..');
const out = join(root, 'dist', 'web', 'demo');
mkdirSync(out, { recursive: true });
await build({
  entryPoints: [join(here, 'src', 'main.ts')],
  outfile: join(out, 'app.js'),
  bundle: true,
  external: ['./tim-client.js'],
  format: 'esm',
  target: ['es2022'],
  legalComments: 'none',
  logLevel: 'warning',
});
for (const f of ['index.html', 'style.css']) copyFileSync(join(here, f), join(out, f));
copyFileSync(join(root, 'dist', 'browser', 'tim-client.js'), join(out, 'tim-client.js'));
