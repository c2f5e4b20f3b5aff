/**
 * Redis commands per operation in cluster mode, counted by MONITOR around a
 * batch of one kind of operation (a lease heartbeat or two of the nodes fall
 * into each window: a few commands over thousands of operations). MONITOR
 * costs Redis CPU, so it runs only around these batches, never while CPU is
 * measured.
 */
import { Redis } from 'ioredis';
import { holdAccountNames, prepareLanes, sourceAddresses, type Bench, type Failures } from './scenarios.js';
import { waitIdle, type Target } from './targets.js';

/**
 * Counts the commands Redis runs, by MONITOR: those a client sent (round
 * trips, pipelined or not) apart from those a Lua script ran inside Redis.
 */
export class CommandTally {
  private readonly counts = new Map<string, number>();

  private constructor(private readonly monitor: Redis) {
    monitor.on('monitor', (_time: string, args: string[], source: string) => {
      const cmd = String(args[0] ?? '').toLowerCase();
      if (cmd === 'monitor') return;
      const key = source === 'lua' ? `script:${cmd}` : cmd;
      this.counts.set(key, (this.counts.get(key) ?? 0) + 1);
    });
  }

  /** Starts counting on `redisUrl`. */
  static async start(redisUrl: string): Promise<CommandTally> {
    const client = new Redis(redisUrl, { lazyConnect: true });
    await client.connect();
    const monitor = await client.monitor();
    client.disconnect();
    return new CommandTally(monitor);
  }

  /** The counts so far (after a round trip, so that what came before is counted). */
  async snapshot(): Promise<Map<string, number>> {
    await new Promise((r) => setTimeout(r, 200));
    return new Map(this.counts);
  }

  stop(): void {
    this.monitor.disconnect();
  }
}

/** Commands per operation between two snapshots: sent by clients (round trips) and run inside scripts, with a breakdown. */
export interface PerOp {
  readonly sent: number;
  /** Sent commands other than (S)PUBLISH, which no reply waits for: the round trips an ACK waits for when they go one after the other. */
  readonly awaited: number;
  readonly inScripts: number;
  readonly byCommand: string;
}

/** Commands per operation between two snapshots. */
export function perOp(before: Map<string, number>, after: Map<string, number>, ops: number): PerOp {
  const deltas = [...after].map(([k, v]) => [k, (v - (before.get(k) ?? 0)) / Math.max(1, ops)] as const).filter(([, v]) => v >= 0.005);
  deltas.sort((a, b) => b[1] - a[1]);
  const sum = (script: boolean): number => deltas.filter(([k]) => k.startsWith('script:') === script).reduce((a, [, v]) => a + v, 0);
  const events = deltas.filter(([k]) => k === 'publish' || k === 'spublish').reduce((a, [, v]) => a + v, 0);
  return { sent: sum(false), awaited: sum(false) - events, inScripts: sum(true), byCommand: deltas.map(([k, v]) => `${k} ${v.toFixed(2)}`).join(', ') };
}

/** Waits until the target holds no socket, and a little longer for the removals that follow a close. */
async function settled(t: Target): Promise<void> {
  await waitIdle(t);
  await new Promise((r) => setTimeout(r, 500));
}

/** Redis commands per token login, per clean close and per LOGOUT. */
export interface CommandsRound extends Failures {
  readonly login: PerOp;
  readonly close: PerOp;
  readonly logout: PerOp;
}

/** Holds `perWorker` sockets per worker on cluster `t` and ends them, counting commands around each step. */
export async function commandsRound(b: Bench, t: Target, tally: CommandTally, perWorker: number): Promise<CommandsRound> {
  const key = `${t.key}:cmds`;
  await prepareLanes(b, t, key, (w) => [holdAccountNames(b.params, w).slice(0, perWorker)]);
  const hold = async (): Promise<{ held: number } & Failures> => {
    const rs = await Promise.all(b.workers.map((w, i) => w.call<{ held: number } & Failures>('hold', { key, urls: t.urls, concurrency: 32, from: sourceAddresses(i) }, 300_000)));
    return { held: rs.reduce((a, r) => a + r.held, 0), failures: rs.reduce((a, r) => a + r.failures, 0), firstError: rs.find((r) => r.firstError)?.firstError ?? '' };
  };
  const release = (logout: boolean) => Promise.all(b.workers.map((w) => w.call('release', { logout }, 120_000)));
  await waitIdle(t);
  const c0 = await tally.snapshot();
  const first = await hold();
  const c1 = await tally.snapshot();
  await release(false);
  await settled(t);
  const c2 = await tally.snapshot();
  const second = await hold(); // with the tokens rotated by the first round's ACKs
  const c3 = await tally.snapshot();
  await release(true);
  await settled(t);
  const c4 = await tally.snapshot();
  return {
    login: perOp(c0, c1, first.held),
    close: perOp(c1, c2, first.held),
    logout: perOp(c3, c4, second.held),
    failures: first.failures + second.failures,
    firstError: first.firstError || second.firstError,
  };
}
