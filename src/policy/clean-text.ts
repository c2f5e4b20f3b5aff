/**
 * Well-formed text: what names, domains and resources must be, so that two
 * accounts can never share an id or a key. JSON can carry lone UTF-16
 * surrogates, which UTF-8 (and so Redis) cannot tell from U+FFFD.
 */

/** A lone UTF-16 surrogate (a high one not followed by a low one, or a low one not after a high one). */
const LONE_SURROGATE = '[\\ud800-\\udbff](?![\\udc00-\\udfff])|(?<![\\ud800-\\udbff])[\\udc00-\\udfff]';

/** Matches a lone surrogate; `g` finds them all. */
export function loneSurrogates(flags = ''): RegExp {
  return new RegExp(LONE_SURROGATE, flags);
}

const lone = loneSurrogates();

/** True when `s` holds a C0 or C1 control character or DEL. */
function hasControl(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x20 || (c >= 0x7f && c <= 0x9f)) return true;
  }
  return false;
}

/** True when `s` has no lone surrogate (String.prototype.isWellFormed, ES2024). */
export function isWellFormed(s: string): boolean {
  return !lone.test(s);
}

/** True when `s` is well-formed Unicode without control characters. */
export function isCleanText(s: string): boolean {
  return isWellFormed(s) && !hasControl(s);
}
