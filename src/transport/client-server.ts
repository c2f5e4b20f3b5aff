/**
 * The client WebSocket server at /tim: admission (origin allow-list,
 * connect_limit, unauthenticated sockets per IP), one ClientConnection per
 * socket, and the heartbeat that pings logged-in sockets.
 */
import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Logger } from 'pino';
import { WebSocketServer, type Server } from 'ws';
import type { Config } from '../config/defaults.js';
import { type CloseCode } from '../errors.js';
import type { Metrics } from '../metrics.js';
import type { SessionService } from '../session/session-service.js';
import { ClientConnection } from './client-connection.js';
import { CarrierSocket } from './framed-socket.js';
import { HeartbeatSweep } from './heartbeat-sweep.js';
import { guardUpgrade, peerAddress, refuseUpgrade, requestPath, upgradeTaken } from './http-upgrade.js';
import type { Listener } from './listener.js';
import { SocketRoster } from './socket-roster.js';

/** The client socket server of one gateway. */
export class ClientServer {
  readonly connections: Set<ClientConnection>;
  private readonly wss: Server<typeof CarrierSocket>;
  private readonly sockets: SocketRoster<ClientConnection>;
  private readonly heartbeat: HeartbeatSweep<ClientConnection>;
  /** A reconcile with the table is running (a slow store must not pile them up). */
  private reconciling = false;
  /** A reconcile was asked for while one ran: run another after it. */
  private reconcileAgain = false;
  private nextConnId = 0;
  /** Random per-process prefix: connection ids are compared across nodes, so they must not repeat there. */
  private readonly connIdPrefix = randomBytes(6).toString('base64url');
  private accepting = true;

  constructor(
    listener: Listener,
    private readonly config: Config,
    private readonly service: SessionService,
    private readonly metrics: Metrics,
    private readonly log: Logger,
  ) {
    this.sockets = new SocketRoster(config.unauth_per_ip, Infinity, (open) => metrics.connections.set(open));
    this.connections = this.sockets.all;
    this.wss = new WebSocketServer({ noServer: true, maxPayload: config.max_frame, perMessageDeflate: false, clientTracking: false, WebSocket: CarrierSocket });
    listener.server.on('upgrade', (req, socket, head) => this.upgrade(req, socket, head));
    this.heartbeat = new HeartbeatSweep(this.connections, config.heartbeat_interval * 1000, (c) => c.heartbeat(), () => this.reconcile());
  }

  private upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    guardUpgrade(socket);
    if (requestPath(req) !== '/tim') return refuseUpgrade(socket, 404, 'Not Found');
    if (!this.accepting) return refuseUpgrade(socket, 503, 'Service Unavailable');
    // browsers always send Origin on a WebSocket; a request without one is a native client, which could forge it anyway
    const origin = req.headers.origin;
    if (this.config.origins && origin !== undefined && !this.config.origins.includes(origin)) return refuseUpgrade(socket, 403, 'Forbidden');
    if (this.connections.size >= this.config.connect_limit) return refuseUpgrade(socket, 503, 'Service Unavailable');
    const ip = peerAddress(req);
    if (this.sockets.full(ip)) return refuseUpgrade(socket, 429, 'Too Many Requests');
    this.wss.handleUpgrade(req, socket, head, (ws) => {
      upgradeTaken(socket);
      this.accept(ws, ip);
    });
  }

  private accept(ws: CarrierSocket, ip: string): void {
    const connId = `${this.connIdPrefix}${(++this.nextConnId).toString(36)}`;
    const conn = new ClientConnection(ws, connId, ip, this.config, this.service, this.metrics, this.log, this.sockets);
    this.sockets.add(conn);
  }

  /** Once per heartbeat interval: the sessions of this node against the table (skipped while one runs: a slow store must not pile them up). */
  private reconcile(): void {
    if (!this.reconciling) this.reconcileNow();
  }

  /**
   * Reconciles this node's sockets with the table now (the heartbeat, or a
   * bus subscription that came back after kicks may have been missed). One
   * runs at a time; one asked for meanwhile runs right after it.
   */
  reconcileNow(): void {
    if (this.reconciling) {
      this.reconcileAgain = true;
      return;
    }
    this.reconciling = true;
    this.service
      .reconcile()
      .catch((err: unknown) => this.log.debug({ err }, 'reconcile with the session table failed (store unreachable?)'))
      .finally(() => {
        this.reconciling = false;
        if (this.reconcileAgain) {
          this.reconcileAgain = false;
          this.reconcileNow();
        }
      });
  }

  /** Stops accepting sockets and closes every open one with `code` (1001 on shutdown). */
  closeAll(code: CloseCode): void {
    this.accepting = false;
    this.heartbeat.stop();
    for (const c of this.connections) c.close(code);
  }
}

/** Plain HTTP requests to the client listener get 426: it speaks WebSocket only. */
export function upgradeRequired(_req: IncomingMessage, res: ServerResponse): void {
  res.writeHead(426, { 'content-type': 'text/plain' }).end('tim-gateway: connect with a WebSocket to /tim\n');
}
