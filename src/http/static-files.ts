/**
 * A built web page served by a listener: the files `npm run build` writes to
 * a folder of dist/web (the dashboard on the admin listener, the demo on the
 * client listener; shipped in the package, no CDN), read once at start and
 * served with a strict Content-Security-Policy (own origin only).
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { extname, join } from 'node:path';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { packageRoot } from '../package-root.js';

/** Folder of a built page (`dashboard`, `demo`). */
export const builtPageDir = (page: string): string => join(packageRoot, 'dist', 'web', page);

/** Folder of the built dashboard. */
export const dashboardDir = builtPageDir('dashboard');

const contentTypes: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
};

/** Headers of every page response: nothing from other origins, no framing, no sniffing, no referrer. */
const securityHeaders = {
  'content-security-policy':
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
};

interface StaticFile {
  readonly body: Buffer;
  readonly type: string;
  readonly etag: string;
}

/** The page's files by URL path ("/" is index.html). */
export class StaticFiles {
  private readonly files = new Map<string, StaticFile>();

  /** Reads the built page `page` (a folder of dist/web). */
  constructor(private readonly page: string) {
    const dir = builtPageDir(page);
    let names: string[] = [];
    try {
      names = readdirSync(dir);
    } catch {
      // not built: "/" answers 503 saying so
    }
    for (const name of names) {
      const type = contentTypes[extname(name)];
      if (!type) continue;
      const body = readFileSync(join(dir, name));
      const file = { body, type, etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 22)}"` };
      this.files.set(name === 'index.html' ? '/' : `/${name}`, file);
    }
  }

  /** The URL paths of the page ("/" always, also when the page was not built). */
  get paths(): string[] {
    return [...new Set(['/', ...this.files.keys()])];
  }

  /** Answers GET of a page path (503 when the page was not built). */
  serve({ req, res }: { readonly req: IncomingMessage; readonly res: ServerResponse }, path: string): 'streamed' {
    const file = this.files.get(path);
    if (!file) {
      res.writeHead(503, { 'content-type': 'text/plain' }).end(`${this.page} not built: run \`npm run build\`\n`);
      return 'streamed';
    }
    const headers = { ...securityHeaders, 'content-type': file.type, 'cache-control': 'no-cache', etag: file.etag };
    if (req.headers['if-none-match'] === file.etag) res.writeHead(304, headers).end();
    else res.writeHead(200, { ...headers, 'content-length': String(file.body.length) }).end(file.body);
    return 'streamed';
  }
}
