/**
 * Request/reply over the IPC channel of forked bench processes: the parent
 * calls a named command in a child and awaits its result. Every child is
 * tracked so that the bench kills all of them at the end, even on failure.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { openSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

/** Folder of the compiled bench scripts (dist/bench). */
export const benchDir = dirname(fileURLToPath(import.meta.url));

interface Request {
  readonly id: number;
  readonly cmd: string;
  readonly args: unknown;
}

interface Reply {
  readonly id: number;
  readonly ok: boolean;
  readonly result?: unknown;
  readonly error?: string;
}

type Handler = (args: never) => unknown;

/** In a child: answers the parent's calls with `handlers`; exits when the parent goes away. */
export function serveRpc(handlers: Record<string, Handler>): void {
  process.on('disconnect', () => process.exit(0));
  process.on('message', (msg: Request) => {
    const h = handlers[msg.cmd];
    Promise.resolve()
      .then(() => {
        if (!h) throw new Error(`unknown command ${msg.cmd}`);
        return h(msg.args as never);
      })
      .then(
        (result) => process.send!({ id: msg.id, ok: true, result } satisfies Reply),
        (e: unknown) => process.send!({ id: msg.id, ok: false, error: e instanceof Error ? e.stack ?? e.message : String(e) } satisfies Reply),
      );
  });
  process.send!({ id: 0, ok: true, result: 'ready' } satisfies Reply);
}

const live = new Set<ChildProcess>();

/** A forked bench process answering calls. */
export class Child {
  private nextId = 1;
  private readonly waiting = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  private readonly ready: Promise<void>;
  private exited = false;

  private constructor(readonly name: string, readonly proc: ChildProcess) {
    live.add(proc);
    let readyResolve!: () => void;
    let readyReject!: (e: Error) => void;
    this.ready = new Promise((res, rej) => ((readyResolve = res), (readyReject = rej)));
    proc.on('message', (m: Reply) => {
      if (m.id === 0) return readyResolve();
      const w = this.waiting.get(m.id);
      if (!w) return;
      this.waiting.delete(m.id);
      if (m.ok) w.resolve(m.result);
      else w.reject(new Error(`${name}: ${m.error}`));
    });
    proc.on('exit', (code, signal) => {
      this.exited = true;
      live.delete(proc);
      const e = new Error(`${name} exited (${code ?? signal})`);
      readyReject(e);
      for (const w of this.waiting.values()) w.reject(e);
      this.waiting.clear();
    });
  }

  /** Forks dist/bench/<script>.js with `execArgv` (e.g. --expose-gc) and waits until it serves calls; its stdout goes to `stdoutFile` (appended), else nowhere. */
  static async start(name: string, script: string, args: unknown = {}, execArgv: string[] = [], stdoutFile?: string): Promise<Child> {
    const proc = fork(join(benchDir, script), [JSON.stringify(args)], {
      execArgv: ['--expose-gc', ...execArgv],
      stdio: ['ignore', stdoutFile ? openSync(stdoutFile, 'a') : 'ignore', 'inherit', 'ipc'],
      serialization: 'advanced',
    });
    const child = new Child(name, proc);
    await child.ready;
    return child;
  }

  /** The process id (for /proc readings). */
  get pid(): number {
    return this.proc.pid!;
  }

  /** Calls `cmd` in the child; rejects after `timeoutMs`. */
  call<T>(cmd: string, args: unknown = {}, timeoutMs = 120_000): Promise<T> {
    if (this.exited) return Promise.reject(new Error(`${this.name} has exited`));
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiting.delete(id);
        reject(new Error(`${this.name}: ${cmd} took longer than ${timeoutMs} ms`));
      }, timeoutMs);
      this.waiting.set(id, {
        resolve: (v) => (clearTimeout(timer), resolve(v as T)),
        reject: (e) => (clearTimeout(timer), reject(e)),
      });
      this.proc.send({ id, cmd, args } satisfies Request);
    });
  }

  /** Stops the child: SIGTERM, then SIGKILL after a second. */
  async stop(): Promise<void> {
    if (this.exited) return;
    const gone = new Promise<void>((r) => this.proc.once('exit', () => r()));
    this.proc.kill('SIGTERM');
    const t = setTimeout(() => this.proc.kill('SIGKILL'), 1000);
    await gone;
    clearTimeout(t);
  }
}

/** The bench's arguments, as the parent passed them (argv[2], JSON). */
export function childArgs<T>(): T {
  return JSON.parse(process.argv[2] ?? '{}') as T;
}

/** Tracks a process that is not a Child (redis-server) so that it is killed with the others. */
export function trackProcess(proc: ChildProcess): void {
  live.add(proc);
  proc.once('exit', () => live.delete(proc));
}

/** Kills every child still running (called on exit, error and signals). */
export function killAllChildren(): void {
  for (const p of live) p.kill('SIGKILL');
  live.clear();
}

/** Runs a bench's `main` as the process: its children are killed however it ends (done 0, failed 1, SIGINT/SIGTERM 130). */
export function runBench(name: string, main: () => Promise<void>): void {
  for (const sig of ['SIGINT', 'SIGTERM'] as const) {
    process.on(sig, () => {
      killAllChildren();
      process.exit(130);
    });
  }
  process.on('exit', killAllChildren);
  main().then(
    () => {
      killAllChildren();
      process.exit(0);
    },
    (e: unknown) => {
      console.error(`${name} failed:`, e);
      killAllChildren();
      process.exit(1);
    },
  );
}
