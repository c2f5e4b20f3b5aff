/**
 * POST /api/v1/introspect (PROTOCOL.md section 13, RFC 7662): is a client's
 * resume token live right now. Takes a form `token=T` or JSON `{"token"}`,
 * optionally `domain` (a token of another domain is then inactive) and
 * RFC 7662's `token_type_hint` (ignored: only resume tokens can be active).
 */
import type { Config } from '../config/defaults.js';
import { ErrorCode, failure } from '../errors.js';
import { MAX_TOKEN_BYTES } from '../policy/auth-bounds.js';
import type { ResumeTokens } from '../session/introspection.js';
import { failureReply, jsonReply, type HttpReply } from './http-reply.js';
import { readFields } from './request-fields.js';
import type { RequestContext } from './router.js';

const fields = { token: 'string', token_type_hint: 'string', domain: 'string' } as const;
const bad = (info: string): HttpReply => failureReply(failure(ErrorCode.PARAMETER_INCORRECT, info));

/** The handler of POST /api/v1/introspect. */
export function introspectRoute(config: Config, tokens: ResumeTokens) {
  return async (ctx: RequestContext): Promise<HttpReply> => {
    const parsed = await ctx.body(true);
    if ('reply' in parsed) return parsed.reply;
    const req = readFields(parsed.body, fields);
    if (!req.ok) return failureReply(req.failure);
    const { token, domain } = req.value;
    if (token === '') return bad('token is required');
    if (Buffer.byteLength(token) > MAX_TOKEN_BYTES) return bad(`token longer than ${MAX_TOKEN_BYTES} bytes`);
    if (Buffer.byteLength(domain) > config.max_field_bytes) return bad(`domain longer than ${config.max_field_bytes} bytes`);
    const live = await tokens.find(token, Date.now()).catch(() => undefined);
    if (live === undefined) return failureReply(failure(ErrorCode.HEAVY_LOAD, 'session store unavailable'));
    if (!live || (parsed.body.domain !== undefined && live.owner.domain !== domain)) return jsonReply({ active: false });
    const s = live.session;
    return jsonReply({
      active: true,
      domain: live.owner.domain,
      name: live.owner.name,
      ssid: live.ssid,
      termtyp: s?.termtyp ?? live.owner.termtyp,
      resource: s?.resource ?? live.owner.resource,
      gateway: s?.gateway ?? '',
      online: s !== null,
      iat: Math.floor(live.expires / 1000 - config.resume_timeout),
      exp: Math.floor(live.expires / 1000),
    });
  };
}
