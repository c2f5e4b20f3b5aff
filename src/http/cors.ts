/**
 * CORS of the HTTP API on the client listener (PROTOCOL.md sections 13 and
 * 14): it follows `origins`. Absent `origins` = no CORS headers at all
 * (browsers then need the page and the API on one origin). With `origins`, a
 * request whose Origin is listed gets Access-Control-Allow-Origin (and a
 * preflight 204 with the allowed methods and headers); one whose Origin is
 * not listed gets 403 / 4105 without CORS headers, as the WebSocket upgrade
 * refuses it. Requests without Origin (not a browser) pass.
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

  /** The CORS headers of an answer to `req`: none without origins; Vary always with them, the allowed origin when listed. */
  readonly headers = (req: IncomingMessage): Readonly<Record<string, string>> => {
    if (!this.origins) return {};
    const origin = req.headers.origin;
    if (origin === undefined || !this.origins.includes(origin)) return { vary: 'Origin' };
    return { 'access-control-allow-origin': origin, vary: 'Origin' };
  };

  /** 403 for a browser request from an origin `origins` does not list; null when it may proceed. */
  refusal(req: IncomingMessage): HttpReply | null {
    const origin = req.headers.origin;
    if (!this.origins || origin === undefined || this.origins.includes(origin)) return null;
    return failureReply(failure(ErrorCode.PERMISSION_DENIED, `permission denied: origin ${origin} is not in origins`), 403);
  }

  /** The answer to a preflight (OPTIONS) of a path that takes `method`. */
  preflight(req: IncomingMessage, method: string): HttpReply {
    const refused = this.refusal(req);
    if (refused) return refused;
    if (!this.origins) return { status: 204, body: null };
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
