/**
 * Request bodies of the HTTP API: at most `max_frame` bytes (413 beyond),
 * JSON objects only (415 for another media type, 400 / 4113 when the bytes are
 * not a JSON object); routes that take RFC 7662 forms may accept
 * application/x-www-form-urlencoded too. A request without a body reads as {}.
 */
import type { IncomingMessage } from 'node:http';
import { ErrorCode, failure } from '../errors.js';
import { failureReply, type HttpReply } from './http-reply.js';

/** A parsed body, or the error answer to send instead. */
export type ParsedBody = { readonly body: Record<string, unknown> } | { readonly reply: HttpReply };

const JSON_TYPE = 'application/json';
const FORM_TYPE = 'application/x-www-form-urlencoded';

/** An over-long body: 413 and the connection closes (the rest is never read). */
const tooLarge = (max: number): ParsedBody => ({
  reply: failureReply(failure(ErrorCode.BIG_DATA, `request body larger than ${max} bytes (max_frame)`), 413, { connection: 'close' }),
});

/** The media type of a request, lower case, without parameters ("" when absent). */
function mediaType(req: IncomingMessage): string {
  return (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
}

/** True when the request announces a body (a length above 0, or chunked). */
function hasBody(req: IncomingMessage): boolean {
  return req.headers['transfer-encoding'] !== undefined || Number(req.headers['content-length'] ?? 0) > 0;
}

/** Reads at most `max` bytes; null when there are more. */
function readBytes(req: IncomingMessage, max: number): Promise<Buffer | null> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size > max) {
        req.off('data', onData);
        req.pause();
        resolve(null);
        return;
      }
      chunks.push(chunk);
    };
    req.on('data', onData);
    req.once('end', () => resolve(Buffer.concat(chunks)));
    req.once('error', reject);
  });
}

/** Parses a form body into an object of strings; a repeated field is a 4104. */
function parseForm(text: string): ParsedBody {
  const out: Record<string, unknown> = {};
  for (const [k, v] of new URLSearchParams(text)) {
    if (k in out) return { reply: failureReply(failure(ErrorCode.PARAMETER_INCORRECT, `${k} given more than once`)) };
    out[k] = v;
  }
  return { body: out };
}

/** Reads and parses the body of `req` (JSON, or also a form when `form` is set). */
export async function readBody(req: IncomingMessage, max: number, form = false): Promise<ParsedBody> {
  if (!hasBody(req)) return { body: {} };
  const type = mediaType(req);
  if (type !== JSON_TYPE && !(form && type === FORM_TYPE)) {
    const wanted = form ? `${JSON_TYPE} or ${FORM_TYPE}` : JSON_TYPE;
    return { reply: failureReply(failure(ErrorCode.FORMAT, `Content-Type must be ${wanted}`), 415, { connection: 'close' }) };
  }
  if (Number(req.headers['content-length'] ?? 0) > max) return tooLarge(max);
  const bytes = await readBytes(req, max);
  if (!bytes) return tooLarge(max);
  const text = bytes.toString('utf8');
  if (type === FORM_TYPE) return parseForm(text);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { reply: failureReply(failure(ErrorCode.FORMAT, 'format error: the body is not JSON')) };
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return { reply: failureReply(failure(ErrorCode.FORMAT, 'format error: the body must be a JSON object')) };
  return { body: value as Record<string, unknown> };
}
