/**
 * Logging with pino: JSON lines by default, pino-pretty's format when asked
 * (`log_pretty`, --pretty, or `serve` writing to a terminal). Passwords and tokens are redacted wherever they
 * appear in a logged object.
 *
 * Standard output gets a sonic-boom of our own (5.x), formatted in this thread: pino's sonic-boom (4.x)
 * loops forever in its exit-time flushSync when a write fails with anything but EAGAIN, and pino-pretty's
 * worker thread makes the exit wait for its writes, so a gateway whose log reader had gone (EPIPE) never
 * exited on SIGTERM. Writes stay asynchronous (a slow reader does not block the event loop); once the reader
 * is gone, lines are dropped.
 */
import { createRequire } from 'node:module';
import { pino, type DestinationStream, type Logger } from 'pino';
import type * as PinoPretty from 'pino-pretty';
import sonicBoom from 'sonic-boom';
import type { LogLevel } from './config/defaults.js';

/** Paths pino replaces by "[redacted]". */
export const redactPaths = ['pwd', 'token', 'password', '*.pwd', '*.token', '*.password', 'auth.pwd', 'auth.token', 'req.headers.authorization'];

/** Creates the process logger. `destination` defaults to stdout (fd 1); another is a file path or descriptor. */
export function createLogger(level: LogLevel, pretty: boolean, destination: number | string = 1): Logger {
  const redact = { paths: redactPaths, censor: '[redacted]' };
  const out: DestinationStream = destination === 1 ? stdoutLog() : pino.destination({ dest: destination, sync: false });
  return pino({ level, redact }, pretty ? prettyOn(out, destination === 1 && process.stdout.isTTY === true) : out);
}

/** The process's one writer of log lines to standard output (every logger of the process shares it). */
let stdoutWriter: DestinationStream | undefined;

/** Standard output for log lines: asynchronous, flushed at exit unless its reader went away (EPIPE: lines dropped from then on). */
function stdoutLog(): DestinationStream {
  if (stdoutWriter) return stdoutWriter;
  const boom = new sonicBoom.SonicBoom({ fd: 1, sync: false });
  let gone = false;
  boom.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code !== 'EPIPE') throw err;
    gone = true;
  });
  process.on('exit', () => {
    if (gone) return;
    try {
      boom.flushSync();
    } catch {
      // the reader went away meanwhile: nothing more can reach it
    }
  });
  stdoutWriter = { write: (line: string) => void (gone || boom.write(line)) };
  return stdoutWriter;
}

/** A stream writing each JSON line to `out` in pino-pretty's format (coloured only on a terminal); pino-pretty is loaded only here. */
function prettyOn(out: DestinationStream, colorize: boolean): DestinationStream {
  const { prettyFactory } = createRequire(import.meta.url)('pino-pretty') as typeof PinoPretty;
  const format = prettyFactory({ colorize });
  return { write: (line: string) => void out.write(format(line)) };
}

export type { Logger };
