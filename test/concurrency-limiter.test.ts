/**
 * The one limiter of costly work (password checks, issue 10 defect 4; auth_url calls), driven with
 * tasks the test finishes itself, so every ordering is decided by the test.
 */
import { describe, expect, it } from 'vitest';
import { ConcurrencyLimiter, type LimitedOutcome } from '../src/policy/concurrency-limiter.js';

/** A task the test finishes by calling `finish`. */
function gate(): { task: () => Promise<string>; finish: (v: string) => void; started: () => boolean } {
  let started = false;
  let finish: (v: string) => void = () => {};
  const done = new Promise<string>((resolve) => (finish = resolve));
  return {
    task: () => {
      started = true;
      return done;
    },
    finish: (v) => finish(v),
    started: () => started,
  };
}

describe('ConcurrencyLimiter', () => {
  it('runs at most `concurrent` at once, queues up to `queued`, and answers busy at once beyond', async () => {
    const outcomes: LimitedOutcome[] = [];
    const limiter = new ConcurrencyLimiter({ concurrent: 2, queued: 1, per_ip: 10 }, (o) => outcomes.push(o));
    const gates = [gate(), gate(), gate(), gate()];
    const results = gates.map((g, i) => limiter.run(`10.0.0.${i}`, () => true, g.task));
    expect(await results[3]).toEqual({ ran: false, why: 'busy' });
    expect(gates.map((g) => g.started())).toEqual([true, true, false, false]);
    expect([limiter.active, limiter.waiting]).toEqual([2, 1]);
    gates[0]!.finish('a');
    expect(await results[0]).toEqual({ ran: true, value: 'a' });
    expect(gates[2]!.started()).toBe(true);
    gates[1]!.finish('b');
    gates[2]!.finish('c');
    expect(await results[2]).toEqual({ ran: true, value: 'c' });
    expect([limiter.active, limiter.waiting]).toEqual([0, 0]);
    expect(outcomes.sort()).toEqual(['busy', 'run', 'run', 'run']);
  });

  it('one key holds at most per_ip running or waiting; other keys still get in', async () => {
    const limiter = new ConcurrencyLimiter({ concurrent: 1, queued: 10, per_ip: 2 });
    const [a, b, c] = [gate(), gate(), gate()];
    const first = limiter.run('flood', () => true, a.task);
    const second = limiter.run('flood', () => true, b.task);
    expect(await limiter.run('flood', () => true, c.task)).toEqual({ ran: false, why: 'busy' });
    const other = gate();
    const legit = limiter.run('legit', () => true, other.task);
    a.finish('a');
    b.finish('b');
    other.finish('ok');
    expect(await Promise.all([first, second, legit])).toEqual([
      { ran: true, value: 'a' },
      { ran: true, value: 'b' },
      { ran: true, value: 'ok' },
    ]);
  });

  it('a waiting task whose caller went away is dropped without running, and its place is freed', async () => {
    const outcomes: LimitedOutcome[] = [];
    const limiter = new ConcurrencyLimiter({ concurrent: 1, queued: 2, per_ip: 10 }, (o) => outcomes.push(o));
    const running = gate();
    const first = limiter.run('x', () => true, running.task);
    let open = true;
    const [gone1, gone2] = [gate(), gate()];
    const waiting = [limiter.run('x', () => open, gone1.task), limiter.run('x', () => open, gone2.task)];
    open = false; // their sockets closed
    // the queue is full of unwanted waiters: a new one prunes them instead of being refused
    const next = gate();
    const third = limiter.run('y', () => true, next.task);
    expect(await Promise.all(waiting)).toEqual([
      { ran: false, why: 'dropped' },
      { ran: false, why: 'dropped' },
    ]);
    running.finish('r');
    await first;
    expect(next.started()).toBe(true);
    next.finish('n');
    expect(await third).toEqual({ ran: true, value: 'n' });
    expect([gone1.started(), gone2.started()]).toEqual([false, false]);
    expect(outcomes.filter((o) => o === 'dropped')).toHaveLength(2);
  });

  it('waiting tasks are served round-robin across keys: a newcomer waits for one turn, not behind a whole flood', async () => {
    const limiter = new ConcurrencyLimiter({ concurrent: 1, queued: 100, per_ip: 100 });
    const order: string[] = [];
    const tracked = (label: string, g: ReturnType<typeof gate>) => () => {
      order.push(label);
      return g.task();
    };
    const first = gate();
    const running = limiter.run('flood-a', () => true, tracked('a0', first));
    const flood = (key: string, prefix: string) => Array.from({ length: 5 }, () => gate()).map((g, i) => ({ g, p: limiter.run(key, () => true, tracked(`${prefix}${i + 1}`, g)) }));
    const floods = [...flood('flood-a', 'a'), ...flood('flood-b', 'b')];
    const legit = gate();
    const legitRun = limiter.run('legit', () => true, tracked('legit', legit));
    const all = [first, ...floods.map((f) => f.g), legit];
    // finish whatever runs, one at a time, until nothing runs
    const finished = new Set<ReturnType<typeof gate>>();
    const runningNow = () => all.find((g) => g.started() && !finished.has(g));
    for (let g = runningNow(); g; g = runningNow()) {
      finished.add(g);
      g.finish('done');
      await new Promise((r) => setImmediate(r));
    }
    await Promise.all([running, legitRun, ...floods.map((f) => f.p)]);
    expect(order).toEqual(['a0', 'a1', 'b1', 'legit', 'a2', 'b2', 'a3', 'b3', 'a4', 'b4', 'a5', 'b5']);
  });

  it('a task that throws frees its slot', async () => {
    const limiter = new ConcurrencyLimiter({ concurrent: 1, queued: 0, per_ip: 1 });
    await expect(limiter.run('x', () => true, () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    expect(await limiter.run('x', () => true, async () => 1)).toEqual({ ran: true, value: 1 });
  });
});
