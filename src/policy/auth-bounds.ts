/**
 * Bounds on every field of an AUTH frame, checked before any work is done:
 * over a bound answers 4104 with the field named in `info`.
 */
import type { Config } from '../config/defaults.js';
import { ErrorCode, failure, type TimFailure } from '../errors.js';
import type { TimAuth } from '../protocol/types.js';
import { isCleanText } from './clean-text.js';

/** Longest token accepted (ours are under 120 bytes). */
export const MAX_TOKEN_BYTES = 256;
/** Longest token accepted when `jwt` or `auth_url` is set: the application's tokens (a JWT with an RSA signature and claims) are longer. */
export const MAX_APP_TOKEN_BYTES = 8192;

const bytes = (s: string): number => Buffer.byteLength(s, 'utf8');

/** Returns the first problem of an AUTH frame, or null when it is within bounds. */
export function checkAuthBounds(auth: TimAuth, config: Config): TimFailure | null {
  const bad = (info: string): TimFailure => failure(ErrorCode.PARAMETER_INCORRECT, info);
  const max = config.max_field_bytes;
  if (auth.name === '') return bad('name is required');
  for (const field of ['name', 'domain', 'resource', 'pwd'] as const) {
    if (bytes(auth[field]) > max) return bad(`${field} longer than ${max} bytes`);
  }
  for (const field of ['name', 'domain', 'resource'] as const) {
    if (!isCleanText(auth[field])) return bad(`${field} must be well-formed Unicode without control characters`);
  }
  const maxToken = config.jwt || config.auth_url ? MAX_APP_TOKEN_BYTES : MAX_TOKEN_BYTES;
  if (bytes(auth.token) > maxToken) return bad(`token longer than ${maxToken} bytes`);
  if (auth.pwd === '' && auth.token === '') return bad('pwd or token is required');
  if (!Number.isInteger(auth.termtyp) || auth.termtyp < 0 || auth.termtyp > 127) return bad('termtyp must be 0..127');
  return checkExtend(auth.extend, config) ?? checkKickList('kick', auth.kick, config);
}

/**
 * Bounds of an `extend` map (AUTH, ADMNOTICE, ADMTOKEN): at most
 * `max_extend_entries` entries of `max_extend_bytes` in all; 4104 beyond.
 */
export function checkExtend(extend: Readonly<Record<string, string>>, config: Config): TimFailure | null {
  const entries = Object.entries(extend);
  if (entries.length > config.max_extend_entries) return failure(ErrorCode.PARAMETER_INCORRECT, `extend has more than ${config.max_extend_entries} entries`);
  let total = 0;
  for (const [k, v] of entries) total += bytes(k) + bytes(v);
  return total > config.max_extend_bytes ? failure(ErrorCode.PARAMETER_INCORRECT, `extend larger than ${config.max_extend_bytes} bytes`) : null;
}

/**
 * Bounds of a list of ssids to log out (AUTH `kick`, KICK `ssid`): at most
 * `max_kick` entries of at most `max_field_bytes` each; over a bound answers
 * 4104 naming `field`.
 */
export function checkKickList(field: string, ssids: readonly string[], config: Config): TimFailure | null {
  const max = config.max_field_bytes;
  if (ssids.length > config.max_kick) return failure(ErrorCode.PARAMETER_INCORRECT, `${field} lists more than ${config.max_kick} ssids`);
  if (ssids.some((s) => bytes(s) > max)) return failure(ErrorCode.PARAMETER_INCORRECT, `${field} ssid longer than ${max} bytes`);
  return null;
}
