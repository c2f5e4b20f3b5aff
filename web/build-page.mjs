// The build of a page that a listener serves (web/dashboard on the admin listener, examples/web on the client
// listener): its src/main.ts bundled by esbuild into app.js, its index.html written from the one HTML shell below
// around its body.html, and its style.css, all into dist/web/<page>. Each page's build.mjs calls buildPage.
import { build } from 'esbuild';
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The HTML shell of every page: the same head, whose script and stylesheet come from the page's own origin as the
 * Content-Security-Policy header of src/http/static-files.ts requires, with the page's title, and its body.
 */
export function pageHtml(title, body) {
  return `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <meta name="color-scheme" content="light dark">
  <title>${title}</title>
  <link rel="icon" href="data:,">
  <link rel="stylesheet" href="/style.css">
  <script type="module" src="/app.js"></script>
</head>
<body>
  <noscript>The ${title} needs JavaScript.</noscript>
${body.trimEnd()}
</body>
</html>
`;
}

/** Builds the page in folder `dir` into `out`; `esbuild` adds to or overrides the bundle options. */
export async function buildPage({ dir, out, title, esbuild = {} }) {
  mkdirSync(out, { recursive: true });
  await build({
    entryPoints: [join(dir, 'src', 'main.ts')],
    outfile: join(out, 'app.js'),
    bundle: true,
    format: 'esm',
    target: ['es2022'],
    legalComments: 'none',
    logLevel: 'warning',
    ...esbuild,
  });
  writeFileSync(join(out, 'index.html'), pageHtml(title, readFileSync(join(dir, 'body.html'), 'utf8')));
  copyFileSync(join(dir, 'style.css'), join(out, 'style.css'));
}
