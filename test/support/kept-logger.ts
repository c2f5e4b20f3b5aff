/** A pino logger that keeps every line it writes, parsed, for tests that wait for a log event. */
import { Writable } from 'node:stream';
import pino, { type Level, type Logger } from 'pino';

/** A logger at `level` that pushes each line it writes onto `lines`. */
export function keptLogger(lines: Record<string, unknown>[], level: Level = 'info'): Logger {
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const l of chunk.toString().split('\n').filter(Boolean)) lines.push(JSON.parse(l) as Record<string, unknown>);
      done();
    },
  });
  return pino({ level }, sink);
}
