/**
 * The shape of a JWT, told apart without loading the JWT library (jose is
 * imported only by a gateway whose tim.json sets `jwt`: src/auth/jwt.ts).
 */

/** True when `token` has the shape of a compact JWS (three base64url parts). */
export function looksLikeJwt(token: string): boolean {
  return /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*$/.test(token);
}
