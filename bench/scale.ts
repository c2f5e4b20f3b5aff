/**
 * `npm run bench:scale`: what one box holds in cluster mode, and how fast a
 * node's clients come back when it dies.
 *
 *   npm run bench:scale                      100,000 sockets over 6 gateways, then the reconnect storm
 *   npm run bench:scale -- --sockets=5000    a small run for development (written to a temp folder)
 *
 * 1. Hold: `sockets` authenticated sockets spread evenly over `gateways`
 *    gateway processes sharing one redis-server, from several load processes
 *    (each under the 20,000 open-files cap, as is each gateway) and 127.x.y.z
 *    source addresses; total RSS, RSS per socket, Redis memory per session,
 *    and the CPU of the box while they sit idle for one heartbeat interval.
 * 2. Reconnect storm: one gateway holding `storm` sessions (19,000, or a
 *    fifth of `sockets` for small runs) among the others' is SIGKILLed; its
 *    clients (the client library, reconnecting with backoff and full jitter,
 *    resume token) come back through a stand-in load balancer to the other
 *    nodes. Time to 99 % and 100 %, peak resumes/s, 5105 refusals, and after
 *    lease_ttl: no account over its limit, no session left on the dead node.
 *
 * Each part is bounded (10 minutes); every process is killed at the end.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { packageRoot } from '../src/package-root.js';
import { load, machine } from './report.js';
import { startRedis } from './redis-server.js';
import { Child, runBench } from './rpc.js';
import { holdScale, type HoldFigures } from './scale-hold.js';
import { stormScale, type StormFigures } from './scale-storm.js';
import type { Scale } from './scale-parts.js';
import { writeSetup } from './setup.js';
import { startGateways } from './targets.js';

const argv = process.argv.slice(2);
const arg = (name: string, dflt: number): number => Number(argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3) ?? dflt);
const SOCKETS = arg('sockets', 100_000);
const GATEWAYS = arg('gateways', 6);
/** Sockets one load process holds at most (its open files are capped at 20,000). */
const PER_LOADER = 17_000;
const LEASE_TTL = 15;
const full = SOCKETS >= 100_000;
const log = (s: string): void => console.log(`[${new Date().toISOString().slice(11, 19)}] ${s}`);

function writeConfigs(dir: string, redisUrl: string): string[] {
  return Array.from({ length: GATEWAYS }, (_, i) => {
    const file = join(dir, `tim-scale-${i}.json`);
    const config = {
      client_listen: '127.0.0.1:0',
      admin_listen: '127.0.0.1:0',
      users: 'users.json',
      gateway_id: `scale-${i}`,
      redis: { url: redisUrl, prefix: 'scale:', lease_ttl: LEASE_TTL },
      log_level: 'warn',
    };
    writeFileSync(file, JSON.stringify(config, null, 2));
    return file;
  });
}

function report(hold: HoldFigures, storm: StormFigures | string, loadBefore: string, startedAt: Date): string {
  const n = (x: number, d = 0): string => x.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d });
  const mb = (x: number): string => `${n(x / 2 ** 20)} MiB`;
  const lines = [
    '# tim-gateway at scale: one box, cluster mode',
    '',
    `Written by \`npm run bench:scale${full ? '' : ` -- --sockets=${SOCKETS}`}\` on ${startedAt.toISOString()}.`,
    '',
    `- Machine: ${machine()}`,
    `- Load average (1/5/15 min): ${loadBefore} at the start, ${load()} at the end (other engineers' processes share these cores)`,
    `- ${GATEWAYS} gateway processes in cluster mode (defaults, log_level warn, lease_ttl ${LEASE_TTL} s) behind one redis-server; ${hold.loaders} load processes, clients from ${hold.sourceAddresses} 127.x.y.z addresses`,
    '',
    '## Holding authenticated sockets',
    '',
    '| figure | value |',
    '|---|---:|',
    `| authenticated sockets held | ${n(hold.held)} (${hold.failures} failed logins; ${n(hold.busy)} answers of 5104, tried again as the client library does) |`,
    `| time to log them all in | ${n(hold.loginSeconds, 1)} s (${n(hold.held / hold.loginSeconds)} logins/s) |`,
    `| gateways' RSS, total | ${mb(hold.gatewayRss)} (${hold.perGateway.map((g) => `${n(g.sockets)} sockets: ${mb(g.rss)}`).join('; ')}) |`,
    `| gateway RSS per socket (growth / sockets) | ${n(hold.rssPerSocket)} B |`,
    `| redis-server memory per session (used_memory growth / sessions) | ${n(hold.redisPerSession)} B (RSS ${mb(hold.redisRss)}) |`,
    `| load processes' RSS, total | ${mb(hold.loaderRss)} |`,
    `| idle CPU of the box over ${hold.idleSeconds} s (all processes, % of all cores) | ${n(hold.idle.box, 1)} % |`,
    `| of which the gateways, summed (% of one core) | ${n(hold.idle.groups.gateways ?? NaN, 2)} % |`,
    `| of which redis-server (% of one core) | ${n(hold.idle.groups.redis ?? NaN, 2)} % |`,
    `| of which the load processes (% of one core) | ${n(hold.idle.groups.loaders ?? NaN, 2)} % |`,
    '',
    '## Reconnect storm',
    '',
  ];
  if (typeof storm === 'string') lines.push(`not run: ${storm}`);
  else {
    lines.push(
      '| figure | value |',
      '|---|---:|',
      `| sessions on the killed gateway | ${n(storm.stormHeld)} (among ${n(storm.totalHeld)}; its clients in ${storm.stormLoaders} load processes) |`,
      `| back (resumed on another node) | ${n(storm.back)} |`,
      `| time to 99 % back | ${n(storm.t99, 2)} s |`,
      `| time to 100 % back | ${Number.isFinite(storm.t100) ? `${n(storm.t100, 2)} s` : 'not all back'} |`,
      `| peak resumes per second | ${n(storm.peakRate)} /s |`,
      `| refusals while resuming | ${Object.entries(storm.refusals).map(([c, k]) => `${c}: ${k}`).join(', ') || 'none'} (5105: ${storm.refusals['5105'] ?? 0}) |`,
      `| clients that gave up | ${Object.entries(storm.gaveUp).map(([r, k]) => `${r}: ${k}`).join(', ') || 'none'} |`,
      `| after lease_ttl (${LEASE_TTL} s): sessions of the storm's accounts listed | ${n(storm.audit.sessions)} |`,
      `| accounts over their device limit | ${n(storm.audit.over)} |`,
      `| sessions still listed on the dead node (ghosts) | ${n(storm.audit.ghosts)} |`,
    );
    const labelled = (r: Record<string, number>): string => Object.entries(r).map(([k, v]) => `${k}: ${n(v)}`).join(', ') || 'none';
    lines.push(
      '',
      `The other nodes counted from the kill until the audit: logins ${labelled(storm.served.logins)}; sockets they closed, by close code: ${labelled(storm.served.closes)}; sessions they kicked, by reason: ${labelled(storm.served.kicks)}. Storm clients kicked (told not to reconnect), by reason: ${labelled(storm.kicked)}; sockets lost again by clients that had come back, by close code: ${labelled(storm.droppedAgain)}.`,
    );
    if (storm.histories.length) lines.push('', `What the first ${storm.histories.length} clients that gave up went through since the kill:`, '', ...storm.histories.map((h) => `- ${h.join(', ')}`));
  }
  return `${lines.join('\n')}\n`;
}

async function main(): Promise<void> {
  const startedAt = new Date();
  const loadBefore = load();
  log(`bench:scale, ${SOCKETS} sockets over ${GATEWAYS} gateways: ${machine()}; load ${loadBefore}`);
  const setup = await writeSetup([]);
  const redisProc = await startRedis();
  const redis = new Redis(redisProc.url);
  // the gateways log at warn: their logs say why a login failed
  const cluster = await startGateways('scale', writeConfigs(setup.dir, redisProc.url), ['--max-old-space-size=4096'], redisProc, true);
  log(`gateway logs: ${join(setup.dir, 'tim-scale-N.log')}`);
  const loaderCount = Math.max(2, Math.ceil(SOCKETS / PER_LOADER));
  const loaders = await Promise.all(Array.from({ length: loaderCount }, (_, i) => Child.start(`scale-load${i}`, 'load-worker.js', {}, ['--max-old-space-size=4096'])));
  const s: Scale = { redis, redisPid: redisProc.pid, cluster, loaders, log, leaseTtl: LEASE_TTL };
  const hold = await bounded(holdScale(s, SOCKETS), 'hold');
  let storm: StormFigures | string;
  try {
    storm = await bounded(stormScale(s, Math.min(19_000, Math.round(SOCKETS / 5))), 'storm');
  } catch (e) {
    storm = e instanceof Error ? e.message : String(e);
  }
  redis.disconnect();
  const md = report(hold, storm, loadBefore, startedAt);
  const out = full ? join(packageRoot, 'bench', 'SCALE.md') : join(setup.dir, 'SCALE.md');
  writeFileSync(out, md);
  log(`\n${md}\nwrote ${out}`);
}

/** Rejects when `p` takes more than 10 minutes. */
function bounded<T>(p: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout;
  return Promise.race([p, new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what} took longer than 10 minutes`)), 10 * 60_000)))]).finally(() => clearTimeout(timer));
}

runBench('bench:scale', main);
