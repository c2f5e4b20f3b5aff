/**
 * HTTP services started by a test on 127.0.0.1 port 0 (a user service for
 * auth_url, a webhook receiver, a JWKS host): each request's body is read and
 * handed to the test's handler; calls in flight are counted; closed after the test.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import { onCleanup } from '../helpers.js';

/** One request as the service saw it. */
export interface SeenRequest {
  readonly method: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}

/** A running test service. */
export interface TestService {
  readonly url: string;
  readonly requests: SeenRequest[];
  /** Most requests the service was answering at one time. */
  readonly maxInFlight: number;
  readonly inFlight: number;
  close(): Promise<void>;
}

/** Answers a request: write to `res` (or never, to hang). */
export type Handler = (req: SeenRequest, res: ServerResponse) => void | Promise<void>;

/** Starts a service; it is closed (with every connection) after the test. */
export async function startService(handler: Handler): Promise<TestService> {
  const state = { requests: [] as SeenRequest[], inFlight: 0, maxInFlight: 0 };
  const server = createServer((req, res) => {
    state.inFlight++;
    state.maxInFlight = Math.max(state.maxInFlight, state.inFlight);
    res.on('close', () => state.inFlight--);
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const seen = { method: req.method ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8') };
      state.requests.push(seen);
      void handler(seen, res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  const close = () =>
    new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  onCleanup(close);
  return {
    url: `http://127.0.0.1:${port}/`,
    requests: state.requests,
    get maxInFlight() {
      return state.maxInFlight;
    },
    get inFlight() {
      return state.inFlight;
    },
    close,
  };
}

/** Sends `body` as JSON with `status`. */
export function sendJson(res: ServerResponse, body: unknown, status = 200): void {
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}

/** True when the request's X-Tim-Signature is the HMAC-SHA256 of its body with `secret` (checked as a receiver would). */
export function signatureValid(req: SeenRequest, secret: string): boolean {
  const got = Buffer.from(String(req.headers['x-tim-signature'] ?? ''));
  const want = Buffer.from(`sha256=${createHmac('sha256', secret).update(req.body).digest('hex')}`);
  return got.length === want.length && timingSafeEqual(got, want);
}
