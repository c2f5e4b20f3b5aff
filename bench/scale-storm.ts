/**
 * Part 2 of npm run bench:scale: the reconnect storm. One gateway holding
 * `storm` sessions of client-library clients is SIGKILLed while the other
 * nodes hold theirs; its clients resume on the other nodes through a
 * stand-in load balancer (bench/storm-clients.ts).
 */
import { BENCH_DOMAIN } from './setup.js';
import { sourceAddresses, type Failures } from './scenarios.js';
import { accountsWithTokens, type Scale } from './scale-parts.js';

/** The figures of the storm. */
export interface StormFigures {
  readonly stormHeld: number;
  /** Load processes the storm's clients ran in. */
  readonly stormLoaders: number;
  readonly totalHeld: number;
  readonly back: number;
  /** Seconds from the kill until 99 % / 100 % of the killed node's sessions were resumed elsewhere. */
  readonly t99: number;
  readonly t100: number;
  readonly peakRate: number;
  readonly refusals: Record<string, number>;
  readonly gaveUp: Record<string, number>;
  /** What the first clients that gave up went through (bench/storm-clients.ts). */
  readonly histories: string[][];
  /** Clients kicked by the gateway (no reconnect), by reason. */
  readonly kicked: Record<string, number>;
  /** Sockets of clients that had come back and were lost again before the audit, by close code. */
  readonly droppedAgain: Record<string, number>;
  /** What the other nodes counted from the kill until the audit: login results, the sockets they closed (by code), the sessions they kicked (by reason). */
  readonly served: NodeCounts;
  readonly audit: { sessions: number; over: number; ghosts: number };
}

interface StormStatus {
  readonly reconnected: number;
  readonly reconnectTimes: number[];
  readonly refusals: Record<string, number>;
  readonly gaveUp: Record<string, number>;
  readonly histories: string[][];
  readonly kicked: Record<string, number>;
  readonly droppedAgain: Record<string, number>;
}

/** A node's counters (bench/gateway-server.ts `counts`). */
interface NodeCounts {
  readonly logins: Record<string, number>;
  readonly closes: Record<string, number>;
  readonly kicks: Record<string, number>;
}

/** The counters of `nodes` summed. */
async function countsOf(nodes: readonly { call<T>(method: string): Promise<T> }[]): Promise<NodeCounts> {
  const all = await Promise.all(nodes.map((g) => g.call<NodeCounts>('counts')));
  const sum = (pick: (c: NodeCounts) => Record<string, number>): Record<string, number> => {
    const out: Record<string, number> = {};
    for (const c of all) for (const [k, v] of Object.entries(pick(c))) out[k] = (out[k] ?? 0) + v;
    return out;
  };
  return { logins: sum((c) => c.logins), closes: sum((c) => c.closes), kicks: sum((c) => c.kicks) };
}

/** `after` minus `before`, without the labels that did not move. */
function countsSince(before: NodeCounts, after: NodeCounts): NodeCounts {
  const diff = (a: Record<string, number>, b: Record<string, number>): Record<string, number> =>
    Object.fromEntries(Object.entries(a).map(([k, v]) => [k, v - (b[k] ?? 0)]).filter(([, v]) => v !== 0));
  return { logins: diff(after.logins, before.logins), closes: diff(after.closes, before.closes), kicks: diff(after.kicks, before.kicks) };
}

/** Sums the tallies of the same kind of several load processes. */
function sumTallies(all: readonly Record<string, number>[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const t of all) for (const [k, v] of Object.entries(t)) out[k] = (out[k] ?? 0) + v;
  return out;
}

/** The storm's status over all the load processes that hold its clients. */
async function stormStatusOf(stormLoaders: readonly { call<T>(method: string): Promise<T> }[]): Promise<StormStatus> {
  const all = await Promise.all(stormLoaders.map((w) => w.call<StormStatus>('stormStatus')));
  return {
    reconnected: all.reduce((n, x) => n + x.reconnected, 0),
    reconnectTimes: all.flatMap((x) => x.reconnectTimes),
    refusals: sumTallies(all.map((x) => x.refusals)),
    gaveUp: sumTallies(all.map((x) => x.gaveUp)),
    histories: all.flatMap((x) => x.histories).slice(0, 10),
    kicked: sumTallies(all.map((x) => x.kicked)),
    droppedAgain: sumTallies(all.map((x) => x.droppedAgain)),
  };
}

/** Longest wait for the storm's clients to come back. */
const STORM_WAIT_MS = 4 * 60_000;

type Held = Failures & { held: number };

/** Runs the storm with `storm` sessions on the node that is killed (and 8/19 of that on each other node). */
export async function stormScale(s: Scale, storm: number): Promise<StormFigures> {
  const { cluster, loaders, log } = s;
  const [victim, ...others] = cluster.servers;
  const [victimUrl, ...otherUrls] = cluster.urls;
  // the storm's clients over half the load processes (one process's own handshakes would pace the storm), the others' over the rest
  const stormLoaders = loaders.slice(0, Math.max(1, Math.floor(loaders.length / 2)));
  const otherLoaders = loaders.slice(stormLoaders.length);
  if (!victim || others.length === 0 || otherLoaders.length === 0) throw new Error('the storm needs two gateways and two load processes');
  const victimId = await victim.call<string>('id');
  const stormNames = Array.from({ length: storm }, (_, k) => `st_${k}`);
  const otherTotal = Math.round((storm * 8) / 19) * others.length;
  const perLoader = Math.ceil(otherTotal / otherLoaders.length);
  log(`storm: ${storm} client-library sessions on ${victimId}, ${otherTotal} on the ${others.length} other nodes`);
  const [stormAccounts] = await Promise.all([
    accountsWithTokens(victim, stormNames, log),
    ...otherLoaders.map(async (w, i) => {
      const names = Array.from({ length: Math.min(perLoader, otherTotal - i * perLoader) }, (_, k) => `so${i}_${k}`);
      await w.call('setLanes', { key: 'storm-others', lanes: [await accountsWithTokens(others[i % others.length]!, names, log)] });
    }),
  ]);
  const until = Date.now() + 4 * 60_000; // logins of the setup, at most (a loaded machine holds fewer, and says so)
  const [stormHeld, ...otherHeld] = await Promise.all([
    Promise.all(
      stormLoaders.map((w, i) => {
        const share = stormAccounts.filter((_, k) => k % stormLoaders.length === i);
        return w.call<Held>('holdClients', { accounts: share, urls: [victimUrl], pool: cluster.urls, from: sourceAddresses(i, 256), concurrency: 64, until }, 600_000);
      }),
    ).then((all): Held => ({ held: all.reduce((n, r) => n + r.held, 0), failures: all.reduce((n, r) => n + r.failures, 0), firstError: all.find((r) => r.firstError)?.firstError ?? '' })),
    ...otherLoaders.map((w, i) => w.call<Held>('hold', { key: 'storm-others', urls: otherUrls, concurrency: 64, from: sourceAddresses(stormLoaders.length + i, 256), until }, 600_000)),
  ]);
  const totalHeld = stormHeld.held + otherHeld.reduce((a, r) => a + r.held, 0);
  log(`storm: held ${stormHeld.held} on the victim (${stormHeld.failures} failed: ${stormHeld.firstError}), ${totalHeld} in all; killing ${victimId}`);

  await Promise.all(stormLoaders.map((w) => w.call('gatewayDown', { url: victimUrl })));
  const before = await countsOf(others);
  const t0 = Date.now();
  victim.proc.kill('SIGKILL');
  let status: StormStatus;
  for (;;) {
    await new Promise((r) => setTimeout(r, 500));
    status = await stormStatusOf(stormLoaders);
    const gaveUp = Object.values(status.gaveUp).reduce((a, x) => a + x, 0);
    if (status.reconnected + gaveUp >= stormHeld.held || Date.now() - t0 > STORM_WAIT_MS) break;
  }
  const times = status.reconnectTimes.map((t) => (t - t0) / 1000).sort((a, b) => a - b);
  const at = (q: number): number => (times.length >= Math.ceil(q * stormHeld.held) ? times[Math.ceil(q * stormHeld.held) - 1]! : Infinity);
  const perSecond = new Map<number, number>();
  for (const t of times) perSecond.set(Math.floor(t), (perSecond.get(Math.floor(t)) ?? 0) + 1);
  log(`storm: ${status.reconnected} back; waiting for lease_ttl (${s.leaseTtl} s) to pass since the kill`);
  await new Promise((r) => setTimeout(r, Math.max(0, t0 + (s.leaseTtl + 3) * 1000 - Date.now())));
  const audit = await others[0]!.call<StormFigures['audit']>('audit', { accounts: stormNames.map((name) => ({ domain: BENCH_DOMAIN, name })), limit: 1, ghostOf: victimId }, 300_000);
  const served = countsSince(before, await countsOf(others));
  status = await stormStatusOf(stormLoaders);
  log(`storm: audit ${JSON.stringify(audit)}; the other nodes counted ${JSON.stringify(served)}; clients kicked ${JSON.stringify(status.kicked)}, sockets lost again after coming back ${JSON.stringify(status.droppedAgain)}; closing`);
  await Promise.all([...stormLoaders.map((w) => w.call('releaseClients', {}, 600_000)), ...otherLoaders.map((w) => w.call('release', {}, 600_000))]);
  return {
    stormHeld: stormHeld.held,
    stormLoaders: stormLoaders.length,
    totalHeld,
    back: status.reconnected,
    t99: at(0.99),
    t100: at(1),
    peakRate: Math.max(0, ...perSecond.values()),
    refusals: status.refusals,
    gaveUp: status.gaveUp,
    histories: status.histories,
    kicked: status.kicked,
    droppedAgain: status.droppedAgain,
    served,
    audit,
  };
}
