/**
 * TableGate (src/session/table-gate.ts): the bound on one node's writes in
 * flight on Redis. Tasks are deferred promises released by the test; the wait
 * bound runs on vitest's fake timers.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { TableGate } from '../src/session/table-gate.js';

/** A task the test ends: `finish()` resolves it with its name. */
function task(name: string, started: string[]) {
  let finish!: () => void;
  const done = new Promise<string>((resolve) => (finish = () => resolve(name)));
  return {
    run: () => {
      started.push(name);
      return done;
    },
    finish,
  };
}

const flush = () => new Promise<void>((r) => setImmediate(r));

describe('TableGate', () => {
  afterEach(() => vi.useRealTimers());

  it('runs at most `concurrent` at once, the rest in arrival order; beyond `queued` waiting it answers busy at once', async () => {
    const gate = new TableGate({ concurrent: 2, queued: 2, maxWaitMs: 60_000 });
    const started: string[] = [];
    const tasks = ['a', 'b', 'c', 'd', 'e'].map((n) => task(n, started));
    const results = tasks.map((t) => gate.run(() => true, t.run));
    await flush();
    expect(started).toEqual(['a', 'b']);
    expect([gate.active, gate.waiting]).toEqual([2, 2]);
    expect(await results[4]).toEqual({ ran: false, why: 'busy' });

    tasks[1]!.finish();
    expect(await results[1]).toEqual({ ran: true, value: 'b' });
    await flush();
    expect(started).toEqual(['a', 'b', 'c']);
    tasks[0]!.finish();
    tasks[2]!.finish();
    await flush();
    expect(started).toEqual(['a', 'b', 'c', 'd']);
    tasks[3]!.finish();
    expect(await Promise.all(results.slice(0, 4))).toEqual(['a', 'b', 'c', 'd'].map((value) => ({ ran: true, value })));
    expect([gate.active, gate.waiting]).toEqual([0, 0]);
  });

  it('a waiter not started within maxWaitMs is answered busy; one no longer wanted when its turn comes is dropped and its slot goes on', async () => {
    vi.useFakeTimers();
    const gate = new TableGate({ concurrent: 1, queued: 10, maxWaitMs: 2000 });
    const started: string[] = [];
    const first = task('first', started);
    const firstResult = gate.run(() => true, first.run);
    const late = gate.run(() => true, task('late', started).run);
    await vi.advanceTimersByTimeAsync(1000);
    let wanted = true;
    const unwanted = gate.run(() => wanted, task('unwanted', started).run);
    const next = task('next', started);
    const nextResult = gate.run(() => true, next.run);
    await vi.advanceTimersByTimeAsync(1000);
    expect(await late).toEqual({ ran: false, why: 'busy' });
    expect(gate.waiting).toBe(2);

    wanted = false; // its socket closed
    first.finish();
    expect(await firstResult).toEqual({ ran: true, value: 'first' });
    expect(await unwanted).toEqual({ ran: false, why: 'dropped' });
    await vi.advanceTimersByTimeAsync(0);
    expect(started).toEqual(['first', 'next']);
    next.finish();
    expect(await nextResult).toEqual({ ran: true, value: 'next' });
    // the slot is free again: the next task runs at once
    expect(await gate.run(() => true, async () => 'now')).toEqual({ ran: true, value: 'now' });
  });

  it('a task that throws frees its slot', async () => {
    const gate = new TableGate({ concurrent: 1, queued: 1, maxWaitMs: 60_000 });
    await expect(gate.run(() => true, () => Promise.reject(new Error('Command timed out')))).rejects.toThrow('Command timed out');
    expect(await gate.run(() => true, async () => 1)).toEqual({ ran: true, value: 1 });
    expect(gate.active).toBe(0);
  });
});
