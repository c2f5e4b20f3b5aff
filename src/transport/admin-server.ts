/**
 * The admin listener: GET /healthz, GET /metrics, and the admin WebSocket at /admin.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Metrics } from '../metrics.js';

/** What /healthz reports. */
export interface Health {
  readonly status: 'ok' | 'degraded';
  readonly gateway: string;
  readonly mode: 'embedded' | 'cluster';
  readonly connections: number;
  readonly sessions: number;
  readonly uptimeSeconds: number;
}

/** Serves /healthz and /metrics; anything else is 404. */
export function adminHttpHandler(metrics: Metrics, health: () => Health) {
  return (req: IncomingMessage, res: ServerResponse): void => {
    const path = (req.url ?? '').split('?')[0];
    if (req.method === 'GET' && path === '/healthz') {
      const h = health();
      res.writeHead(h.status === 'ok' ? 200 : 503, { 'content-type': 'application/json' }).end(JSON.stringify(h));
      return;
    }
    if (req.method === 'GET' && path === '/metrics') {
      metrics.registry
        .metrics()
        .then((text) => res.writeHead(200, { 'content-type': metrics.registry.contentType }).end(text))
        .catch(() => res.writeHead(500).end());
      return;
    }
    res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
  };
}
