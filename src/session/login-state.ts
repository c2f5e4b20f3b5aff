/**
 * Where one socket's login stands. Each socket has exactly one state, written
 * only by the node's hub of local sockets (src/session/local-sockets.ts):
 *
 *   unauthenticated → deciding → live → closed
 *                        ↓ refused (or store down)
 *                   unauthenticated
 *
 * `closed` is final: the session was logged out or kicked (session null), or
 * the socket closed while it held one (kept, so that a LOGOUT or KICK received
 * before the close is still carried out as that session).
 */
import type { SessionInfo } from './registry.js';

/** The login state of one socket. */
export type LoginState =
  | { readonly phase: 'unauthenticated' }
  /** The table is deciding this socket's login; its record may not exist yet. */
  | { readonly phase: 'deciding'; readonly session: SessionInfo }
  | { readonly phase: 'live'; readonly session: SessionInfo }
  | { readonly phase: 'closed'; readonly session: SessionInfo | null };

/** The state of a socket that has not logged in. */
export const UNAUTHENTICATED: LoginState = Object.freeze({ phase: 'unauthenticated' });

/** The session a socket holds (being decided or live), or null. */
export function heldSession(state: LoginState): SessionInfo | null {
  return state.phase === 'deciding' || state.phase === 'live' ? state.session : null;
}

/** The session a socket's LOGOUT or KICK acts as: the one it holds, or the one it held when it closed. */
export function actingSession(state: LoginState): SessionInfo | null {
  return state.phase === 'unauthenticated' ? null : state.session;
}
