/**
 * The demo web app (examples/web, built to dist/web/demo) on the client
 * listener when tim.json sets `demo: true`: GET of its files beside the
 * WebSocket at /tim, same origin, so the page's strict CSP (connect-src
 * 'self') allows its socket. Anything else answers 426 as without the demo.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Config } from '../config/defaults.js';
import { upgradeRequired } from '../transport/client-server.js';
import { requestPath } from '../transport/http-upgrade.js';
import { StaticFiles } from './static-files.js';

/** The client listener's handler of plain HTTP requests: the demo page's files when `demo` is on, else 426. */
export function clientHttpHandler(config: Config): (req: IncomingMessage, res: ServerResponse) => void {
  if (!config.demo) return upgradeRequired;
  const files = new StaticFiles('demo');
  const paths = new Set(files.paths);
  return (req, res) => {
    const path = requestPath(req);
    if (req.method === 'GET' && paths.has(path)) files.serve({ req, res }, path);
    else upgradeRequired(req, res);
  };
}
