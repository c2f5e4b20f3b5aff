/**
 * RateLimitedLog: at most one line per interval, at the level asked, the next
 * line counting those left out. Used where one failure repeats per socket or
 * per event (owed removals overflowing at a mass close, auth_url, webhooks).
 */
import { Writable } from 'node:stream';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { RateLimitedLog } from '../src/rate-limited-log.js';

describe('RateLimitedLog', () => {
  it('logs one line per interval at its level, and the next one says how many were left out', () => {
    const lines: Record<string, unknown>[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _enc, done) {
        lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
        done();
      },
    });
    let now = 1_000_000;
    const log = new RateLimitedLog(pino({ level: 'info' }, sink), 1000, () => now);
    for (let i = 0; i < 5000; i++) log.error({ ssid: `s${i}` }, 'too many removals waiting');
    now += 999;
    log.warn({ ssid: 'w' }, 'still failing');
    now += 1;
    log.error({ ssid: 'last' }, 'too many removals waiting');
    return new Promise<void>((resolve) => {
      setImmediate(() => {
        expect(lines.map((l) => [l.level, l.ssid, l.suppressed])).toEqual([
          [50, 's0', undefined],
          [50, 'last', 5000],
        ]);
        resolve();
      });
    });
  });
});
