/**
 * Logging with pino: JSON lines by default, pino-pretty when asked
 * (`log_pretty`, --pretty, or `serve` writing to a terminal). Passwords and tokens are redacted wherever they
 * appear in a logged object.
 */
import { pino, type Logger } from 'pino';
import type { LogLevel } from './config/defaults.js';

/** Paths pino replaces by "[redacted]". */
export const redactPaths = ['pwd', 'token', 'password', '*.pwd', '*.token', '*.password', 'auth.pwd', 'auth.token', 'req.headers.authorization'];

/** Creates the process logger. `destination` defaults to stdout (fd 1). */
export function createLogger(level: LogLevel, pretty: boolean, destination: number | string = 1): Logger {
  const redact = { paths: redactPaths, censor: '[redacted]' };
  if (pretty) {
    return pino({ level, redact, transport: { target: 'pino-pretty', options: { destination, colorize: destination === 1 } } });
  }
  return pino({ level, redact }, pino.destination({ dest: destination, sync: false }));
}

export type { Logger };
