/**
 * The client library, browser entry (`tim-gateway/client`, and the bundle
 * dist/browser/tim-client.js): no Node built-in anywhere in its graph
 * (test/browser-bundle.test.ts checks it). In Node 20 use the Node entry
 * (src/client/node.ts), which passes `ws` as the WebSocket.
 */
export { TimClient } from './client.js';
export { TimRequestError } from './client-types.js';
export type { Device, ReconnectOptions, TimClientEvents, TimClientOptions } from './client-types.js';
export { backoffCeiling, backoffDelay, defaultBackoff, type BackoffOptions } from './backoff.js';
export type { CloseInfo, WebSocketConstructor, WebSocketLike } from './web-socket.js';
export { CloseCode, ErrorCode, KickReason, reconnectAfter, type Reconnect } from '../errors.js';
export { ClientType } from '../protocol/type-codes.js';
export { NoticeKind, type TimAck, type TimAuth, type TimError, type TimMessage, type TimSession, type TimSessions } from '../protocol/types.js';
