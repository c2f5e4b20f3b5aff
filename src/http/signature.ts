/**
 * `X-Tim-Signature: sha256=HEX`: the HMAC-SHA256 of the exact body bytes,
 * on auth_url calls and webhook batches (PROTOCOL.md sections 11 and 12).
 */
import { createHmac } from 'node:crypto';

/** The header that carries the signature. */
export const SIGNATURE_HEADER = 'x-tim-signature';

/** The header value for `body` signed with `secret`. */
export function signBody(secret: string, body: string | Buffer): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}
