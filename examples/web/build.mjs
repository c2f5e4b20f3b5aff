// Builds the demo web app into dist/web/demo: app.js (esbuild; ./tim-client.js stays an import), index.html
// (web/build-page.mjs's shell around body.html), style.css and the browser build of the client library
// (npm run build:browser writes it first). Run by `npm run build`; the client listener serves that folder at /
// when tim.json sets demo: true.
import { copyFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildPage } from '../../web/build-page.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..');
const out = join(root, 'dist', 'web', 'demo');
await buildPage({ dir: here, out, title: 'tim-gateway demo', esbuild: { external: ['./tim-client.js'] } });
copyFileSync(join(root, 'dist', 'browser', 'tim-client.js'), join(out, 'tim-client.js'));
