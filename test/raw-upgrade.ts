/**
 * Raw WebSocket upgrades over plain TCP, for tests that play hostile or deaf
 * peers: the socket is the test's to hold, pause or drop.
 */
import { connect, type Socket } from 'node:net';
import { onCleanup } from './helpers.js';

/** A raw socket that asked for /tim, and the HTTP status it got (0 when the connection failed). */
export interface RawUpgrade {
  readonly socket: Socket;
  readonly status: Promise<number>;
}

/** Opens a TCP socket to `url`'s host and port and asks for a WebSocket upgrade of /tim; the socket is destroyed after the test. */
export function rawUpgrade(url: string): RawUpgrade {
  const { hostname, port } = new URL(url);
  const socket = connect({ host: hostname, port: Number(port) });
  onCleanup(async () => socket.destroy());
  const status = new Promise<number>((resolve) => {
    socket.on('error', () => resolve(0));
    socket.once('data', (d: Buffer) => resolve(Number(/^HTTP\/1\.1 (\d{3})/.exec(d.toString('latin1'))?.[1] ?? 0)));
  });
  socket.write(
    'GET /tim HTTP/1.1\r\nHost: gw\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
      'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n',
  );
  return { socket, status };
}
