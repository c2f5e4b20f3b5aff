/**
 * A real `tim-gateway serve` process (the built CLI in dist/, as `npm test`
 * builds it first) for tests, bench and soak: its tim.json written to a
 * folder, loopback port 0 for both listeners, its JSON log lines collected.
 * The caller stops it (tests register `kill` with onCleanup).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { builtCli } from './cli-process.js';
import { PortTakenError, startWhilePortTaken } from './free-port.js';
import { tempDir } from './temp-dir.js';

/** How a process ended. */
export interface Exit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

/** Where and how to start a gateway process. */
export interface GatewayProcessOptions {
  /** Folder of its tim.json (relative paths in the config, e.g. users.json, resolve against it); a fresh one by default. */
  readonly dir?: string;
  /** Base name of the config file (`<name>.json`), so several nodes can share a folder; default "tim". */
  readonly name?: string;
  /** Extra environment variables. */
  readonly env?: Record<string, string>;
}

/** A gateway process started from the built CLI. */
export class GatewayProcess {
  /** Every JSON log line so far. */
  readonly lines: Record<string, unknown>[] = [];
  /** Every stdout line so far, JSON or not. */
  readonly output: string[] = [];
  /** Everything written to stderr so far. */
  stderr = '';
  readonly exited: Promise<Exit>;
  clientUrl = '';
  adminUrl = '';
  private readonly lineListeners = new Set<(rec: Record<string, unknown>) => void>();

  private constructor(readonly proc: ChildProcess) {
    this.exited = once(proc, 'close').then(([code, signal]) => ({ code: code as number | null, signal: signal as NodeJS.Signals | null }));
    proc.stderr!.on('data', (d: Buffer) => (this.stderr += d.toString()));
    createInterface({ input: proc.stdout! }).on('line', (line) => {
      this.output.push(line);
      try {
        const rec = JSON.parse(line) as Record<string, unknown>;
        this.lines.push(rec);
        for (const l of this.lineListeners) l(rec);
      } catch {
        // not a log line
      }
    });
  }

  /** Resolves with the first log line whose msg is `msg` (already printed or to come); rejects if the process exits first. */
  waitForLog(msg: string): Promise<Record<string, unknown>> {
    const seen = this.lines.find((l) => l.msg === msg);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const listener = (rec: Record<string, unknown>): void => {
        if (rec.msg !== msg) return;
        this.lineListeners.delete(listener);
        resolve(rec);
      };
      this.lineListeners.add(listener);
      void this.exited.then((e) => {
        if (!this.lineListeners.delete(listener)) return;
        reject(new Error(`gateway exited (${e.code ?? e.signal}) before logging "${msg}": ${this.stderr.slice(-500)}`));
      });
    });
  }

  /**
   * Writes `config` (over loopback port 0 for both listeners and auth_min_unix 0)
   * as tim.json and runs `serve -c` on it; resolves once it logs "gateway listening",
   * rejects if it exits first. A config with fixed ports (a restart on the same
   * port) is started again while its port is in use (EADDRINUSE), for up to 20 s:
   * test files run in parallel, and a port may be held for a moment by another.
   */
  static async start(config: Record<string, unknown> = {}, options: GatewayProcessOptions = {}): Promise<GatewayProcess> {
    const file = join(options.dir ?? tempDir(), `${options.name ?? 'tim'}.json`);
    writeFileSync(file, JSON.stringify({ client_listen: '127.0.0.1:0', admin_listen: '127.0.0.1:0', auth_min_unix: 0, ...config }));
    return startWhilePortTaken(async () => {
      const gw = new GatewayProcess(spawn(process.execPath, [builtCli, 'serve', '-c', file], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...options.env } }));
      const rec = await gw.waitForLog('gateway listening').catch((e: Error) => {
        throw gw.stderr.includes('EADDRINUSE') ? new PortTakenError(e.message) : e;
      });
      gw.clientUrl = String(rec.client);
      gw.adminUrl = String(rec.admin);
      return gw;
    });
  }

  /** True once a log line with this message was printed. */
  logged(msg: string): boolean {
    return this.lines.some((l) => l.msg === msg);
  }

  /** True while the process runs. */
  get running(): boolean {
    return this.proc.exitCode === null && this.proc.signalCode === null;
  }

  /** Sends `signal` (if still running) and waits for the exit. */
  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<Exit> {
    if (this.running) this.proc.kill(signal);
    return this.exited;
  }

  /** SIGKILL if still running, without waiting (for cleanups). */
  kill(): void {
    if (this.running) this.proc.kill('SIGKILL');
  }
}
