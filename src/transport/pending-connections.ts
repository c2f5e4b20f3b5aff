/**
 * Connections that have not finished their first HTTP request (a WebSocket
 * upgrade, or a plain request) hold a file descriptor while they send
 * nothing: each listener closes them after `header_timeout` seconds and lets
 * one address hold at most `pending_per_ip` of them (more are closed at once).
 */
import type { IncomingMessage, Server } from 'node:http';
import type { Socket } from 'node:net';
import type { Config } from '../config/defaults.js';
import { CappedCounts } from '../policy/capped-counts.js';
import { plainAddress } from './http-upgrade.js';

/** What the guard does to a connection, for the metric. */
export type PendingOutcome = 'over_limit' | 'header_timeout';

/** The TCP peer of a connection ("address:port"; the same for a TLS socket and the TCP socket under it). */
const peerKey = (s: Socket): string => `${s.remoteAddress}:${s.remotePort}`;

/** Guards `server` (HTTP or HTTPS): unfinished first requests are timed and counted per address. */
export function guardPendingConnections(server: Server, config: Config, refused: (outcome: PendingOutcome) => void): void {
  const pending = new CappedCounts(config.pending_per_ip);
  const waiting = new Map<string, () => void>();
  server.on('connection', (socket: Socket) => {
    const ip = plainAddress(socket.remoteAddress);
    if (pending.full(ip)) {
      refused('over_limit');
      socket.destroy();
      return;
    }
    const giveBack = pending.take(ip);
    const key = peerKey(socket);
    const timer = setTimeout(() => {
      refused('header_timeout');
      socket.destroy();
    }, config.header_timeout * 1000);
    const done = (): void => {
      clearTimeout(timer);
      giveBack();
      // the socket may live for days: it keeps no part of this guard (timer, key, closures) once its request came
      socket.off('close', done);
      if (waiting.get(key) === done) waiting.delete(key);
    };
    waiting.set(key, done);
    socket.once('close', done);
  });
  const requestArrived = (req: IncomingMessage): void => waiting.get(peerKey(req.socket))?.();
  server.prependListener('request', requestArrived);
  server.prependListener('upgrade', requestArrived);
}
