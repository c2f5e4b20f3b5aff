/**
 * The baseline: a bare `ws` server that answers the first binary frame of each
 * socket with a fixed ACK and does nothing else. It is the ceiling for
 * "accept + one frame + reply" on this machine, run by the bench beside the
 * gateway so that gateway figures can be given as ratios. With `pingMs` it
 * also pings every open socket once per `pingMs` through the gateway's own
 * sweep (src/transport/heartbeat-sweep.ts): the floor of what holding idle
 * sockets with a heartbeat costs, whatever the server does besides.
 */
import { WebSocketServer, type WebSocket } from 'ws';
import type { AddressInfo } from 'node:net';
import { encodeFrame } from '../src/protocol/codec.js';
import { ClientType } from '../src/protocol/type-codes.js';
import { HeartbeatSweep } from '../src/transport/heartbeat-sweep.js';
import { probeHandlers } from './server-probe.js';
import { childArgs, serveRpc } from './rpc.js';

const { pingMs = 0 } = childArgs<{ pingMs?: number }>();

/** A successful AUTH ACK shaped like the gateway's (same fields, same sizes), encoded once. */
const ACK = encodeFrame('clientOut', ClientType.ACK, {
  ok: true,
  timType: ClientType.AUTH,
  t: Date.now(),
  n: 'x'.repeat(22),
  n2: 'x'.repeat(16),
  token: `r.${'x'.repeat(16)}.${'x'.repeat(43)}`,
  t2: Date.now(),
});

const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, backlog: 4096, perMessageDeflate: false, clientTracking: false, maxPayload: 65536 });
const open = new Set<WebSocket>();
if (pingMs > 0) new HeartbeatSweep(open, pingMs, (ws) => ws.ping(), () => {});
wss.on('connection', (ws) => {
  open.add(ws);
  ws.once('close', () => open.delete(ws));
  ws.on('error', () => {});
  ws.once('message', () => ws.send(ACK));
});
wss.once('listening', () => {
  const port = (wss.address() as AddressInfo).port;
  serveRpc({ ...probeHandlers, url: () => `ws://127.0.0.1:${port}/tim`, connections: () => open.size });
});
