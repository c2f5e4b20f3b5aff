/**
 * Part 1 of npm run bench:scale: hold many authenticated sockets over the
 * cluster and read what they cost the box in memory and idle CPU.
 */
import type { Failures } from './scenarios.js';
import { sourceAddresses } from './scenarios.js';
import { accountsWithTokens, type Scale } from './scale-parts.js';
import { cpuOverWindow, redisUsedMemory, rssOf } from './scale-probe.js';
import type { Usage } from './server-probe.js';
import { waitIdle } from './targets.js';

/** Source addresses per load process. */
const SOURCES = 256;
/** Idle window: one default heartbeat interval. */
const IDLE_MS = 30_000;
/** Longest time the logins may take (on a loaded machine the run then holds fewer sockets, and says so). */
const LOGIN_MS = 6 * 60_000;

/** The figures of part 1. */
export interface HoldFigures {
  readonly held: number;
  readonly failures: number;
  /** Login attempts answered 5104 and tried again. */
  readonly busy: number;
  readonly loaders: number;
  readonly sourceAddresses: number;
  readonly loginSeconds: number;
  readonly gatewayRss: number;
  readonly perGateway: { sockets: number; rss: number }[];
  readonly rssPerSocket: number;
  readonly redisPerSession: number;
  readonly redisRss: number;
  readonly loaderRss: number;
  readonly idleSeconds: number;
  readonly idle: { box: number; groups: Record<string, number> };
}

/** Holds `sockets` authenticated sockets over the cluster, measures, and closes them. */
export async function holdScale(s: Scale, sockets: number): Promise<HoldFigures> {
  const { cluster, loaders, redis, log } = s;
  const gateways = cluster.servers;
  const per = Math.ceil(sockets / loaders.length);
  log(`hold: minting ${sockets} resume tokens`);
  await Promise.all(
    loaders.map(async (w, i) => {
      const names = Array.from({ length: Math.min(per, sockets - i * per) }, (_, k) => `h${i}_${k}`);
      await w.call('setLanes', { key: 'scale', lanes: [await accountsWithTokens(gateways[i % gateways.length]!, names)] });
    }),
  );
  const rss0 = await Promise.all(gateways.map((g) => g.call<Usage>('usage', { collect: true })));
  const mem0 = await redisUsedMemory(redis);
  log(`hold: logging ${sockets} sockets in over ${gateways.length} gateways from ${loaders.length} load processes`);
  const t0 = Date.now();
  const runs = await Promise.all(
    loaders.map((w, i) => w.call<Failures & { held: number; busy: number }>('hold', { key: 'scale', urls: cluster.urls, concurrency: 64, from: sourceAddresses(i, SOURCES), until: t0 + LOGIN_MS }, 600_000)),
  );
  const loginSeconds = (Date.now() - t0) / 1000;
  const held = runs.reduce((a, r) => a + r.held, 0);
  const busy = runs.reduce((a, r) => a + r.busy, 0);
  log(`hold: ${held} held after ${loginSeconds.toFixed(1)} s (${runs.reduce((a, r) => a + r.failures, 0)} failed: ${runs.find((r) => r.firstError)?.firstError ?? ''}; ${busy} answers of 5104 tried again)`);
  const rss1 = await Promise.all(gateways.map((g) => g.call<Usage>('usage', { collect: true })));
  const counts = await Promise.all(gateways.map((g) => g.call<number>('connections')));
  const mem1 = await redisUsedMemory(redis);
  const loaderRss = loaders.reduce((a, w) => a + rssOf(w.pid), 0);
  log(`hold: idle for ${IDLE_MS / 1000} s`);
  const idle = await cpuOverWindow({ gateways: gateways.map((g) => g.pid), redis: [s.redisPid], loaders: loaders.map((w) => w.pid) }, IDLE_MS);
  log(`hold: idle CPU ${JSON.stringify(idle)}; closing`);
  await Promise.all(loaders.map((w) => w.call('release', {}, 600_000)));
  await waitIdle(cluster);
  return {
    held,
    failures: runs.reduce((a, r) => a + r.failures, 0),
    busy,
    loaders: loaders.length,
    sourceAddresses: loaders.length * SOURCES,
    loginSeconds,
    gatewayRss: rss1.reduce((a, u) => a + u.rss, 0),
    perGateway: rss1.map((u, i) => ({ sockets: counts[i]!, rss: u.rss })),
    rssPerSocket: rss1.reduce((a, u, i) => a + u.rss - rss0[i]!.rss, 0) / held,
    redisPerSession: (mem1 - mem0) / held,
    redisRss: rssOf(s.redisPid),
    loaderRss,
    idleSeconds: IDLE_MS / 1000,
    idle,
  };
}
