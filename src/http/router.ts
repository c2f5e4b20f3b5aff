/**
 * A small router for the HTTP API on node:http: exact paths, one handler per
 * method (405 with Allow otherwise, 404 for an unknown path), a chain of
 * authenticators for protected routes (API keys; front ends may add others,
 * such as operator cookie sessions), bounded bodies, JSON answers, and one
 * debug log line per request naming who asked (never their secret).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import { ErrorCode, failure, type TimFailure } from '../errors.js';
import { peerAddress } from '../transport/http-upgrade.js';
import { readBody, type ParsedBody } from './body.js';
import { failureReply, notFound, sendReply, wrongMethod, type HttpReply } from './http-reply.js';

/** Who a request is from, once authenticated: the kind of credential and its name (an API key's name, an operator). */
export interface Principal {
  readonly kind: string;
  readonly name: string;
  /** Aborted when the credential stops being valid (a cookie session's sign-out or expiry); absent when it cannot end (API keys). */
  readonly ends?: AbortSignal;
}

/**
 * Decides whether a request carries this authenticator's credential: null when
 * it carries none (the next authenticator is asked), a principal when it is
 * right, a failure (401, 429) when it is wrong.
 */
export type Authenticator = (req: IncomingMessage, ip: string) => Promise<Principal | TimFailure | null>;

/** What a handler sees of its request. */
export interface RequestContext {
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  readonly url: URL;
  readonly ip: string;
  /** Null on public routes. */
  readonly principal: Principal | null;
  /** Reads the body (at most maxBody bytes): JSON, or also an RFC 7662 form when `form` is set. */
  body(form?: boolean): Promise<ParsedBody>;
}

/** A handler answers a reply, or 'streamed' when it wrote the response itself (SSE, /metrics). */
export type RouteHandler = (ctx: RequestContext) => Promise<HttpReply | 'streamed'> | HttpReply | 'streamed';

/** How a route is reached. */
export interface RouteOptions {
  /** No authentication (health checks, the OpenAPI document, preflights). */
  readonly public?: boolean;
}

/** Options of a router. */
export interface RouterOptions {
  /** Largest request body in bytes (413 beyond). */
  readonly maxBody: number;
  readonly log: Logger;
  /** Answers requests for paths no route has (default: 404 JSON). */
  readonly fallback?: (req: IncomingMessage, res: ServerResponse) => void;
  /** Paths under this prefix are the router's own: one no route has gets the 404 JSON, not the fallback. */
  readonly ownPrefix?: string;
  /** Headers added to every answer of a known path (CORS). */
  readonly headers?: (req: IncomingMessage) => Readonly<Record<string, string>>;
}

interface Route {
  readonly handler: RouteHandler;
  readonly options: RouteOptions;
}

const missingCredential = (): TimFailure => failure(ErrorCode.PERMISSION_DENIED, 'permission denied: Authorization: Bearer KEY required');

/** Routes HTTP requests of one listener. */
export class HttpRouter {
  private readonly paths = new Map<string, Map<string, Route>>();
  private readonly authenticators: Authenticator[] = [];

  constructor(private readonly options: RouterOptions) {}

  /** Adds a route; a second handler for the same method and path replaces the first. */
  route(method: string, path: string, handler: RouteHandler, options: RouteOptions = {}): this {
    let methods = this.paths.get(path);
    if (!methods) this.paths.set(path, (methods = new Map()));
    methods.set(method, { handler, options });
    return this;
  }

  /** Adds an authenticator, asked after the ones added before it. */
  authenticateWith(auth: Authenticator): this {
    this.authenticators.push(auth);
    return this;
  }

  /** True when some route serves `path`. */
  has(path: string): boolean {
    return this.paths.has(path);
  }

  /** The node:http request handler. */
  readonly handle = (req: IncomingMessage, res: ServerResponse): void => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const { fallback, ownPrefix } = this.options;
    if (fallback && !this.paths.has(url.pathname) && !(ownPrefix !== undefined && url.pathname.startsWith(ownPrefix))) return fallback(req, res);
    const ip = peerAddress(req);
    this.dispatch(req, res, url, ip).then(
      (outcome) => this.finish(req, res, url, ip, outcome.reply, outcome.principal),
      (err: unknown) => {
        this.options.log.error({ err, path: url.pathname }, 'http handler failed');
        this.finish(req, res, url, ip, failureReply(failure(ErrorCode.UNDEFINED)), null);
      },
    );
  };

  private async dispatch(req: IncomingMessage, res: ServerResponse, url: URL, ip: string): Promise<{ reply: HttpReply | 'streamed'; principal: Principal | null }> {
    const methods = this.paths.get(url.pathname);
    if (!methods) return { reply: notFound(), principal: null };
    const route = methods.get(req.method ?? '');
    if (!route) return { reply: wrongMethod([...methods.keys()]), principal: null };
    let principal: Principal | null = null;
    if (!route.options.public) {
      const who = await this.authenticate(req, ip);
      if ('code' in who) return { reply: failureReply(who), principal: null };
      principal = who;
    }
    const maxBody = this.options.maxBody;
    const ctx: RequestContext = { req, res, url, ip, principal, body: (form = false) => readBody(req, maxBody, form) };
    return { reply: await route.handler(ctx), principal };
  }

  private async authenticate(req: IncomingMessage, ip: string): Promise<Principal | TimFailure> {
    for (const auth of this.authenticators) {
      const who = await auth(req, ip);
      if (who) return who;
    }
    return missingCredential();
  }

  private finish(req: IncomingMessage, res: ServerResponse, url: URL, ip: string, reply: HttpReply | 'streamed', principal: Principal | null): void {
    const status = reply === 'streamed' ? res.statusCode : reply.status;
    this.options.log.debug({ method: req.method, path: url.pathname, status, ip, who: principal ? `${principal.kind} ${principal.name}` : null }, 'http request');
    if (reply === 'streamed') return;
    const extra = this.options.headers?.(req);
    sendReply(res, extra ? { ...reply, headers: { ...extra, ...reply.headers } } : reply);
  }
}
