/**
 * The admin WebSocket at /admin on the admin listener (PROTOCOL.md section 8),
 * which fans the cluster's presence events out to subscribed admin sockets.
 * Plain HTTP requests of that listener are src/http's (admin-routes.ts).
 */
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Logger } from 'pino';
import { WebSocketServer, type Server } from 'ws';
import type { Config } from '../config/defaults.js';
import type { CloseCode } from '../errors.js';
import type { Metrics } from '../metrics.js';
import type { AdminService } from '../session/admin-service.js';
import { AdminConnection } from './admin-connection.js';
import { CarrierSocket } from './framed-socket.js';
import { guardUpgrade, peerAddress, refuseUpgrade, requestPath, upgradeTaken } from './http-upgrade.js';
import type { Listener } from './listener.js';
import { SocketRoster } from './socket-roster.js';

/** Authenticated admin sockets per node; while full, new ones are refused with HTTP 503. */
const MAX_ADMIN_CONNECTIONS = 256;

/** Admin sockets per node that have not passed ADMAUTH yet (each address also has admin_unauth_per_ip); beyond, HTTP 503. */
const MAX_UNAUTH_ADMIN_CONNECTIONS = 1024;

/** The admin WebSocket server of one gateway. */
export class AdminServer {
  readonly connections: Set<AdminConnection>;
  private readonly wss: Server<typeof CarrierSocket>;
  /** The admin sockets; those that have not passed ADMAUTH are counted per address in a pool of their own, so they cannot crowd out operators. */
  private readonly sockets: SocketRoster<AdminConnection>;
  private accepting = true;

  constructor(
    listener: Listener,
    private readonly gatewayId: string,
    private readonly config: Config,
    private readonly admin: AdminService,
    private readonly metrics: Metrics,
    private readonly log: Logger,
  ) {
    this.sockets = new SocketRoster(config.admin_unauth_per_ip, MAX_UNAUTH_ADMIN_CONNECTIONS, (open) => metrics.adminConnections.set(open));
    this.connections = this.sockets.all;
    this.wss = new WebSocketServer({ noServer: true, maxPayload: config.max_frame, perMessageDeflate: false, clientTracking: false, WebSocket: CarrierSocket });
    listener.server.on('upgrade', (req, socket, head) => this.upgrade(req, socket, head));
    admin.onEvent((ev) => {
      for (const c of this.connections) c.event(ev);
    });
  }

  private upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    guardUpgrade(socket);
    if (requestPath(req) !== '/admin') return refuseUpgrade(socket, 404, 'Not Found');
    // Only a browser sends Origin, and no page of ours opens this socket (the dashboard uses the HTTP API):
    // refused, so a web page an operator has open cannot guess admin passwords or spend the address's
    // failure bucket, even one rebound to this host by DNS (same-origin then).
    if (req.headers.origin !== undefined) return refuseUpgrade(socket, 403, 'Forbidden');
    const authenticated = this.connections.size - this.sockets.unauthenticated;
    if (!this.accepting || authenticated >= MAX_ADMIN_CONNECTIONS) return refuseUpgrade(socket, 503, 'Service Unavailable');
    const ip = peerAddress(req);
    const full = this.sockets.full(ip);
    if (full) return full === 'key' ? refuseUpgrade(socket, 429, 'Too Many Requests') : refuseUpgrade(socket, 503, 'Service Unavailable');
    this.wss.handleUpgrade(req, socket, head, (ws) => {
      upgradeTaken(socket);
      this.accept(ws, ip);
    });
  }

  private accept(ws: CarrierSocket, ip: string): void {
    const conn = new AdminConnection(ws, ip, this.gatewayId, this.config, this.admin, this.metrics, this.log.child({ admin: ip }), this.sockets);
    this.sockets.add(conn);
  }

  /** Stops accepting admin sockets and closes the open ones with `code` (1001 on shutdown). */
  closeAll(code: CloseCode): void {
    this.accepting = false;
    for (const c of this.connections) c.close(code);
  }
}
