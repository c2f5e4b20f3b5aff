/**
 * The composition root of one gateway node: config, store, session layer,
 * client and admin listeners, and the graceful shutdown that undoes them.
 */
import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import { LoginAuthenticator } from './auth/login-authenticator.js';
import { PasswordCheckLimiter } from './auth/password-checks.js';
import type { Clock } from './clock.js';
import { configAdvice } from './config/advice.js';
import type { Config } from './config/defaults.js';
import { CloseCode } from './errors.js';
import { createLogger } from './logger.js';
import { Metrics } from './metrics.js';
import { TrafficSummary } from './traffic-summary.js';
import { SessionService } from './session/session-service.js';
import { createStore, type Store, type StoreHooks } from './session/store.js';
import { ResumeTokens } from './session/introspection.js';
import { TokenUpkeep } from './session/token-upkeep.js';
import { AdminService } from './session/admin-service.js';
import { addDashboard } from './dashboard/dashboard.js';
import { GatewayNodes } from './dashboard/gateway-nodes.js';
import { AdminServer } from './transport/admin-server.js';
import { createAdminApi } from './http/admin-routes.js';
import { createMeApi } from './http/me-routes.js';
import type { HttpRouter } from './http/router.js';
import { clientHttpHandler } from './http/demo-page.js';
import { ClientServer } from './transport/client-server.js';
import { listen, type Listener } from './transport/listener.js';
import { Unwind } from './unwind.js';
import { Webhooks } from './webhooks/webhooks.js';

/** Options for starting a gateway in code (tests, embedding). */
export interface GatewayOptions {
  /** Logger; default: pino per the config's log_level/log_pretty. */
  readonly logger?: Logger;
  /** A store to use instead of the one the config asks for. */
  readonly store?: Store;
  /** The time of the session layer, admin operations and store (ms since epoch); default Date.now (tests move their own). */
  readonly clock?: Clock;
}

/** A running gateway node. */
export class Gateway {
  private stopping: Promise<void> | null = null;
  private readonly startedAt = Date.now();
  private summary: TrafficSummary | null = null;

  private constructor(
    readonly id: string,
    readonly config: Config,
    readonly log: Logger,
    readonly store: Store,
    readonly metrics: Metrics,
    readonly service: SessionService,
    readonly clientListener: Listener,
    readonly adminListener: Listener,
    readonly clients: ClientServer,
    readonly admins: AdminServer,
    /** The HTTP API of the admin listener (front ends may add routes and authenticators). */
    readonly adminApi: HttpRouter,
    /** Closed last on shutdown (the authenticator's and webhooks' keep-alive connections, the dashboard's sign-in sessions). */
    private readonly closeables: readonly { close(): unknown }[],
  ) {}

  /** ws://host:port/tim */
  get clientUrl(): string {
    return `${this.clientListener.wsBase}/tim`;
  }

  /** ws://host:port/admin */
  get adminUrl(): string {
    return `${this.adminListener.wsBase}/admin`;
  }

  /** http://host:port of the admin listener (/healthz, /metrics). */
  get adminHttpUrl(): string {
    return this.adminListener.httpBase;
  }

  /**
   * Starts a gateway node on a validated config. Each part started registers
   * its undo; when a later part fails (a port taken, Redis down) the earlier
   * ones are undone in reverse and the error is thrown (a ConfigError naming
   * the key when a listen address cannot be bound).
   */
  static async start(config: Config, options: GatewayOptions = {}): Promise<Gateway> {
    const id = config.gateway_id || `${hostname()}-${process.pid}-${randomBytes(3).toString('hex')}`;
    const log = (options.logger ?? createLogger(config.log_level, config.log_pretty)).child({ gateway: id });
    const unwind = new Unwind(log);
    return unwind.run(async () => {
      const clock = options.clock ?? Date.now;
      const store = options.store ?? (await unwind.step('store', () => createStore(config, id, log, clock), closeStore));
      const metrics = await unwind.step('metrics', () => new Metrics(), (m) => m.close());
      const { revocations, tokenIndex } = store;
      const passwordChecks = new PasswordCheckLimiter(config.password_checks, metrics.registry);
      const authenticator = await unwind.step(
        'authenticator',
        () => LoginAuthenticator.create({ config, gatewayId: id, registry: store.registry, revocations, log, metrics: metrics.registry, passwordChecks }),
        (a) => a.close(),
      );
      const webhooks = await unwind.step('webhooks', () => new Webhooks(config, id, log, metrics.registry), (w) => w.close());
      store.bus.onEvent((event, local) => webhooks.handle(event, local));
      const service = new SessionService({ config, gatewayId: id, registry: store.registry, tokenIndex, bus: store.bus, authenticator, metrics, log, now: clock });
      const hooks: StoreHooks = {
        liveSessions: () => service.hub.sessions(),
        lostPlace: (s, reason) => service.lostPlace(s, reason),
      };
      await unwind.step('store start', () => store.membership.start(hooks), () => store.membership.leave());
      const tokens = new ResumeTokens(store.registry, tokenIndex);
      const meApi = createMeApi({ config, log, service, tokens, fallback: clientHttpHandler(config) });
      const clientListener = await unwind.step('client_listen', () => listen('client_listen', config, true, meApi.handle, metrics), closeServer);
      const built: { gateway?: Gateway } = {};
      const admin = new AdminService({ config, registry: store.registry, bus: store.bus, sessions: service, log, passwordChecks, connections: () => built.gateway?.clients.connections.size ?? 0, now: clock });
      const adminApi = createAdminApi({ config, log, admin, tokens, upkeep: new TokenUpkeep(store.registry, log), metrics, health: () => built.gateway!.health() });
      const nodes = new GatewayNodes(store);
      const dashboard = addDashboard(adminApi, { config, admin, nodes, secure: config.admin_tls && config.ssl_certificate !== undefined });
      const adminListener = await unwind.step('admin_listen', () => listen('admin_listen', config, config.admin_tls, adminApi.handle, metrics), closeServer);
      const clients = await unwind.step('clients', () => new ClientServer(clientListener, config, service, metrics, log), (c) => c.closeAll(CloseCode.SHUTDOWN));
      // a kick published while the subscription was down was missed: the table says who is still listed
      store.bus.onSubscription?.((state) => (state === 'lost' ? metrics.busSubscriptionsLost.inc() : clients.reconcileNow()));
      const admins = new AdminServer(adminListener, id, config, admin, metrics, log);
      metrics.watchTable(() => store.registry.stats(Date.now()));
      metrics.watchStore(() => store.membership.reachable(Date.now()));
      const gateway = new Gateway(id, config, log, store, metrics, service, clientListener, adminListener, clients, admins, adminApi, [authenticator, webhooks, dashboard.sessions]);
      built.gateway = gateway;
      gateway.summary = new TrafficSummary(metrics, log, config.log_summary_interval);
      for (const { key, advice } of configAdvice(config)) log.warn({ key }, `tim.json key "${key}" ${advice}`);
      log.info({ client: gateway.clientUrl, admin: gateway.adminUrl, clientListen: config.client_listen, adminListen: config.admin_listen, mode: store.mode }, 'gateway listening');
      return gateway;
    });
  }

  /** The /healthz report. */
  health() {
    const reachable = this.store.membership.reachable(Date.now());
    return {
      status: this.stopping || !reachable ? ('degraded' as const) : ('ok' as const),
      gateway: this.id,
      mode: this.store.mode,
      store: reachable ? ('ok' as const) : ('unreachable' as const),
      connections: this.clients.connections.size,
      sessions: this.service.local.size,
      uptimeSeconds: Math.round((Date.now() - this.startedAt) / 1000),
    };
  }

  /** True when close() could not remove this node's sessions from the table (Redis did not answer): `serve` then exits 1. */
  sessionsLeft = false;

  /**
   * Graceful shutdown: stop accepting, close every client with 1001, remove
   * this node's sessions from the table, close the listeners and the store.
   * Idempotent: a second call returns the same promise.
   */
  close(): Promise<void> {
    this.stopping ??= (async () => {
      this.log.info({ connections: this.clients.connections.size }, 'shutting down');
      this.summary?.stop();
      this.clients.closeAll(CloseCode.SHUTDOWN);
      this.admins.closeAll(CloseCode.SHUTDOWN);
      await this.service.drain();
      await this.store.membership.leave().catch((err: unknown) => {
        this.sessionsLeft = true;
        this.log.error({ err }, 'could not remove this node\'s sessions: other nodes reap them once its lease expires (lease_ttl)');
      });
      await Promise.all([closeServer(this.clientListener), closeServer(this.adminListener)]);
      await closeStore(this.store);
      this.metrics.close();
      for (const c of this.closeables) await c.close();
      this.log.info('stopped');
    })();
    return this.stopping;
  }
}

/** Closes the registry, the bus, then the store (cluster mode: lease and connections). */
async function closeStore(store: Store): Promise<void> {
  await store.registry.close();
  await store.bus.close();
  await store.close();
}

function closeServer(l: Listener): Promise<void> {
  return new Promise((resolve) => {
    l.server.close(() => resolve());
    l.server.closeAllConnections();
  });
}
