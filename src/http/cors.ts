/**
 * CORS of the HTTP API on the client listener (PROTOCOL.md sections 13 and
 * 14): it follows `origins` (absent = any origin, as for the WebSocket
 * upgrade). A request from an allowed Origin gets Access-Control-Allow-Origin
 * (and a preflight 204 with the allowed methods and headers); one whose Origin
 * `origins` does not list gets 403 / 4105 without CORS headers, as the
 * WebSocket upgrade refuses it. Requests without Origin (not a browser) pass.
 * Any origin is safe to allow here: these endpoints take a bearer resume
 * token in the Authorization header, never a cookie, and no answer allows
 * credentials, so a page can act only with a token it holds.
 */
import type { IncomingMessage } from 'node:http';
import type { Config } from '../config/defaults.js';
import { ErrorCode, failure } from '../errors.js';
import { failureReply, type HttpReply } from './http-reply.js';

/** Seconds a browser may cache a preflight answer. */
const PREFLIGHT_MAX_AGE = 600;

/** CORS for one listener. */
export class Cors {
  constructor(private readonly origins: Config['origins']) {}

  /** Whether a browser page of `origin` may call (any, without `origins`). */
  private allows(origin: string): boolean {
    return !this.origins || this.origins.includes(origin);
  }

  /** The CORS headers of an answer to `req`: Vary always, and the origin when it is allowed. */
  readonly headers = (req: IncomingMessage): Readonly<Record<string, string>> => {
    const origin = req.headers.origin;
    if (origin === undefined || !this.allows(origin)) return { vary: 'Origin' };
    return { 'access-control-allow-origin': origin, vary: 'Origin' };
  };

  /** 403 for a browser request from an origin `origins` does not list; null when it may proceed. */
  refusal(req: IncomingMessage): HttpReply | null {
    const origin = req.headers.origin;
    if (origin === undefined || this.allows(origin)) return null;
    return failureReply(failure(ErrorCode.PERMISSION_DENIED, `permission denied: origin ${origin} is not in origins`), 403);
  }

  /** The answer to a preflight (OPTIONS) of a path that takes `method`. */
  preflight(req: IncomingMessage, method: string): HttpReply {
    const refused = this.refusal(req);
    if (refused) return refused;
    return {
      status: 204,
      body: null,
      headers: {
        'access-control-allow-methods': `${method}, OPTIONS`,
        'access-control-allow-headers': 'Authorization, Content-Type',
        'access-control-max-age': String(PREFLIGHT_MAX_AGE),
      },
    };
  }
}
