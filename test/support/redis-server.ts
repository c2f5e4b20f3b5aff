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
import { connect } from 'node:net';
import { Redis } from 'ioredis';
import { freePort, PortTakenError, startOnFreePort, startWhilePortTaken } from './free-port.js';
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

/**
 * Waits until the Redis process `proc` (redis-server or redis-sentinel) serves
 * `port` itself (INFO's process_id is its pid, not another test's server's).
 * Throws PortTakenError when it exits because the address is in use.
 */
export async function untilServing(proc: ChildProcess, port: number, what: string): Promise<void> {
  let output = '';
  const keep = (d: Buffer): void => {
    output = (output + d.toString()).slice(-4000);
  };
  proc.stdout?.on('data', keep);
  proc.stderr?.on('data', keep);
  let closed = false; // exited, and its output read to the end
  let spawnError: NodeJS.ErrnoException | null = null; // it could not be started at all (not installed: ENOENT)
  proc.once('close', () => (closed = true));
  proc.once('error', (e) => (spawnError = e));
  const end = Date.now() + 20_000;
  while (!(await servedBy(port, proc.pid))) {
    if (spawnError) throw new Error(`${what} could not be started (${(spawnError as NodeJS.ErrnoException).code ?? String(spawnError)}): is it installed and on PATH? (Debian: apt-get install ${what})`);
    if (closed) {
      if (output.includes('Address already in use')) throw new PortTakenError(`${what}: port ${port} (or its bus port) is taken`);
      throw new Error(`${what} exited with ${proc.exitCode ?? proc.signalCode} on port ${port}: ${output.slice(-500)}`);
    }
    if (Date.now() > end) throw new Error(`${what} did not answer on port ${port}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * True when the Redis process listening on loopback `port` has process id `pid`
 * (asked over a plain socket, destroyed whatever answers: a listener that is
 * not Redis never answers, and is given up after a second).
 */
function servedBy(port: number, pid: number | undefined): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    let text = '';
    const done = (yes: boolean): void => {
      clearTimeout(timer);
      socket.destroy();
      resolve(yes);
    };
    const timer = setTimeout(() => done(false), 1000);
    socket.on('error', () => done(false));
    socket.on('close', () => done(false));
    socket.on('data', (d: Buffer) => {
      text += d.toString();
      const m = /process_id:(\d+)\r/.exec(text);
      if (m) done(Number(m[1]) === pid);
    });
    socket.write('INFO server\r\n');
  });
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

  /**
   * Starts a server with further redis-server arguments, on `port` or on ports
   * picked by `port()` until one is not taken by a test running in parallel.
   */
  static async start(extraArgs: readonly string[] = [], port: number | (() => Promise<number>) = () => freePort()): Promise<RedisServer> {
    if (typeof port === 'number') {
      const server = new RedisServer(port, extraArgs);
      await server.resume();
      return server;
    }
    return startOnFreePort(async (p) => {
      const server = new RedisServer(p, extraArgs);
      await server.launch();
      return server;
    }, port);
  }

  /** (Re)starts the process on this server's port and waits until it answers PING; waits while something else holds the port. */
  async resume(): Promise<void> {
    await startWhilePortTaken(() => this.launch());
  }

  /** One start of the process on this server's port; PortTakenError if the port (or its cluster bus port) was taken. */
  private async launch(): Promise<void> {
    const args = ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', this.dir, '--daemonize', 'no', '--loglevel', 'warning', ...this.extraArgs];
    this.proc = spawn('redis-server', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    await untilServing(this.proc, this.port, 'redis-server');
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
