/**
 * The admin client's entry (`tim-gateway/admin`), for Node backends: a typed
 * client of the gateway's admin socket (PROTOCOL.md section 8).
 */
export { TimAdminClient } from './admin-client.js';
export { AdminError, type AdminClientEvents, type AdminClientOptions, type LoginToken } from './admin-types.js';
export type { ReconnectOptions } from './client-types.js';
export type { CloseInfo } from './web-socket.js';
export { AdminType } from '../protocol/type-codes.js';
export { EventKind, NoticeKind, type AdmAccount, type AdmAck, type AdmEvent, type AdmKick, type AdmNotice, type AdmStats } from '../protocol/types.js';
