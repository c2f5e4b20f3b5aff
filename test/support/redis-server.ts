/**
 * A throw-away redis-server for tests, bench and soak: loopback, a free port
 * (never 6379), no persistence, its own temporary folder.
 *
 * The one skip idiom for suites that need it: `describe.skipIf(!redisSuitesEnabled())`.
 * When redis-server is not on PATH such suites are skipped with one line saying
 * how to enable them, unless TIM_REQUIRE_REDIS=1 (set by .ci/run), where that
 * is a failure.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { Redis } from 'ioredis';
import { freePort } from './free-port.js';
import { tempDir } from './temp-dir.js';

/** True when redis-server can be started (suites use redisSuitesEnabled(), which honours TIM_REQUIRE_REDIS). */
export const redisAvailable: boolean = spawnSync('redis-server', ['--version'], { stdio: 'ignore' }).status === 0;

/** Whether suites that need Redis run; prints the skip line once, throws when Redis is required but missing. */
export function redisSuitesEnabled(): boolean {
  if (redisAvailable) return true;
  if (process.env.TIM_REQUIRE_REDIS === '1') throw new Error('TIM_REQUIRE_REDIS=1 but redis-server is not on PATH (apt-get install redis-server)');
  console.warn('cluster-mode suites skipped: redis-server is not on PATH (apt-get install redis-server, or set TIM_REQUIRE_REDIS=1 to make this a failure)');
  return false;
}

/** A running redis-server that can be stopped and started again on the same port. */
export class RedisServer {
  private proc: ChildProcess | null = null;
  private readonly dir = tempDir();

  private constructor(
    readonly port: number,
    /** Further redis-server arguments (cluster or replica settings). */
    private readonly extraArgs: readonly string[],
  ) {}

  /** The running process (null while stopped), for callers that track their children. */
  get process(): ChildProcess | null {
    return this.proc;
  }

  /** Its process id (of the current run), for /proc readings. */
  get pid(): number {
    return this.proc?.pid ?? 0;
  }

  /** redis://127.0.0.1:PORT */
  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  /** Starts a server on a free port (or `port`), with further redis-server arguments. */
  static async start(extraArgs: readonly string[] = [], port?: number): Promise<RedisServer> {
    const server = new RedisServer(port ?? (await freePort()), extraArgs);
    await server.resume();
    return server;
  }

  /** (Re)starts the process on this server's port and waits until it answers PING. */
  async resume(): Promise<void> {
    const args = ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', this.dir, '--daemonize', 'no', '--loglevel', 'warning', ...this.extraArgs];
    const proc = spawn('redis-server', args, { stdio: 'ignore' });
    this.proc = proc;
    const end = Date.now() + 10_000;
    while (!(await this.answers())) {
      if (proc.exitCode !== null) throw new Error(`redis-server exited with ${proc.exitCode} on port ${this.port}`);
      if (Date.now() > end) throw new Error(`redis-server did not answer on port ${this.port}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  private async answers(): Promise<boolean> {
    const probe = new Redis(this.url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, enableOfflineQueue: false });
    probe.on('error', () => {});
    try {
      await probe.connect();
      return (await probe.ping()) === 'PONG';
    } catch {
      return false;
    } finally {
      probe.disconnect();
    }
  }

  /** Stops the process (SIGKILL: no goodbye to clients) and waits for it to exit. */
  async stop(): Promise<void> {
    const proc = this.proc;
    this.proc = null;
    if (!proc || proc.exitCode !== null) return;
    await new Promise<void>((resolve) => {
      proc.once('exit', () => resolve());
      proc.kill('SIGKILL');
    });
  }

  /** A client for inspecting the server in tests (closed by the caller). */
  client(): Redis {
    return new Redis(this.url, { maxRetriesPerRequest: 1 });
  }
}
