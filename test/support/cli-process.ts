/**
 * The built `tim-gateway` command (dist/, as `npm test` builds it first) run
 * as a person runs it: a real process, stdin piped in, output collected.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { packageRoot } from '../../src/package-root.js';

/** The built command line entry point (`tim-gateway`). */
export const builtCli = join(packageRoot, 'dist', 'src', 'cli', 'main.js');

/** How a finished command went. */
export interface CliRun {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Options of runCli. */
export interface CliRunOptions {
  /** Written to its stdin, which is then closed. */
  readonly stdin?: string;
  /** Its whole environment (default: this process's). */
  readonly env?: NodeJS.ProcessEnv;
  /** Working directory. */
  readonly cwd?: string;
}

/** Runs `tim-gateway <args>` to completion; resolves with its exit code and output. */
export function runCli(args: string[], options: CliRunOptions = {}): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, [builtCli, ...args], { stdio: ['pipe', 'pipe', 'pipe'], env: options.env ?? process.env, cwd: options.cwd });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    p.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    p.on('error', reject);
    p.on('close', (code) => resolve({ code, stdout, stderr }));
    p.stdin.end(options.stdin ?? '');
  });
}
