/**
 * HTTP upgrade helpers shared by the client and admin listeners: the peer's
 * address, the request path, and refusing an upgrade with an HTTP status.
 */
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';

/** A socket error before ws took the socket over: nothing to answer, the socket goes. */
function destroyOnError(this: Duplex): void {
  this.destroy();
}

/**
 * An upgrade request's socket has no error listener once Node's HTTP server
 * hands it over: until ws takes it (or it is refused), an error destroys it.
 */
export function guardUpgrade(socket: Duplex): void {
  socket.on('error', destroyOnError);
}

/** ws took the socket over with its own error listener: the guard goes, so the socket does not keep it for its life. */
export function upgradeTaken(socket: Duplex): void {
  socket.off('error', destroyOnError);
}

/** Answers an upgrade request with an HTTP status and closes it. */
export function refuseUpgrade(socket: Duplex, status: number, text: string): void {
  socket.end(`HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
}

/** The peer's address, IPv4-mapped IPv6 addresses shown as plain IPv4. */
export function peerAddress(req: IncomingMessage): string {
  return plainAddress(req.socket.remoteAddress);
}

/** An address with an IPv4-mapped IPv6 prefix removed. */
export function plainAddress(a: string | undefined): string {
  const s = a ?? '';
  return s.startsWith('::ffff:') && s.includes('.') ? s.slice(7) : s;
}

/** The path of a request, without its query. */
export function requestPath(req: IncomingMessage): string {
  return (req.url ?? '').split('?')[0]!;
}
