/**
 * `npm run bench`: measures tim-gateway against a bare `ws` baseline on the
 * same machine in the same run, alternating the two for several rounds, and
 * writes the medians and their ratios to bench/RESULTS.md.
 *
 *   npm run bench               full run (a few minutes)
 *   npm run bench -- --quick    small counts, for development (also BENCH_QUICK=1)
 *   npm run bench -- --profile  CPU profile of the gateway under token logins, summarized
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildConfig } from '../src/config/load.js';
import { createLogger } from '../src/logger.js';
import { createStore } from '../src/session/store.js';
import { packageRoot } from '../src/package-root.js';
import { summarizeProfile } from './profile-summary.js';
import { load, machine, table, type Row } from './report.js';
import { startRedis, type RedisProcess } from './redis-server.js';
import { redisTopologyBench } from './redis-topology-bench.js';
import { Child, killAllChildren } from './rpc.js';
import {
  allAccountNames,
  alternate,
  kickRound,
  loginAccountNames,
  loginRound,
  memoryRound,
  prepareLanes,
  type Bench,
  type KickRound,
  type LoginRound,
  type Params,
} from './scenarios.js';
import { writeClusterConfig, writeSetup } from './setup.js';
import { median } from './stats.js';
import { startBaseline, startGateways, stopTarget, type Target } from './targets.js';

const argv = process.argv.slice(2);
const quick = argv.includes('--quick') || process.env.BENCH_QUICK === '1';
const profileOnly = argv.includes('--profile');
/** Load-generator processes (clients never share a process with a server). */
const WORKERS = 2;

const params: Params = quick
  ? { rounds: 3, loginMs: 1000, lanesPerWorker: 16, accountsPerLane: 8, holdPerWorker: 500, kickLanesPerWorker: 2, kicksPerLane: 20, registryMs: 500 }
  : { rounds: 3, loginMs: 5000, lanesPerWorker: 32, accountsPerLane: 16, holdPerWorker: 7500, kickLanesPerWorker: 4, kicksPerLane: 100, registryMs: 2000 };

const log = (s: string): void => console.log(s);
const med = <T>(xs: T[] | undefined, f: (x: T) => number): number => median((xs ?? []).map(f));
const failuresOf = (name: string, rounds: Map<string, { failures: number; firstError: string }[]>, notes: string[]): void => {
  for (const [key, rs] of rounds) {
    const n = rs.reduce((a, r) => a + r.failures, 0);
    if (n > 0) notes.push(`${name}, ${key}: ${n} failed attempts (first: ${rs.find((r) => r.firstError)?.firstError})`);
  }
};

/** Why cluster mode cannot run here, or null when a Redis store can be created. */
async function clusterProblem(redis: RedisProcess): Promise<string | null> {
  try {
    const store = await createStore(buildConfig({ redis: { url: redis.url, prefix: 'benchprobe:' } }), 'bench-probe', createLogger('silent', false));
    await store.registry.close();
    await store.bus.close();
    await (store as { close?: () => Promise<void> }).close?.();
    return null;
  } catch (e) {
    return e instanceof Error ? e.message : String(e);
  }
}

/**
 * Profiles the baseline and the gateway under the same token-login load and
 * prints where each spends its CPU, per login, so that the gateway's extra
 * cost can be read area by area.
 */
async function profile(b: Bench, config: string, dir: string): Promise<void> {
  for (const start of [startBaseline, () => startGateways('gateway', [config])]) {
    const t = await start();
    try {
      await prepareLanes(b, t, `${t.key}:login`, (w) => loginAccountNames(params, w));
      await loginRound(b, t, 'token', 1000);
      const file = join(dir, `${t.key}-token-login.cpuprofile`);
      await t.servers[0]!.call('profileStart');
      const r = await loginRound(b, t, 'token', quick ? 2000 : 8000);
      await t.servers[0]!.call('profileStop', { file });
      log(`\n== ${t.key}: ${Math.round(r.rate)} logins/s, ${Math.round(r.cpu)} µs CPU per login (cpuUsage); profile in ${file}`);
      log(summarizeProfile(file, 30, r.rate * ((quick ? 2000 : 8000) / 1000)));
    } finally {
      await stopTarget(t);
    }
  }
}

async function main(): Promise<void> {
  const startedAt = new Date();
  const loadBefore = load();
  log(`tim-gateway bench (${quick ? 'quick' : 'full'}): ${machine()}; load ${loadBefore}`);
  const setup = await writeSetup(allAccountNames(params, WORKERS));
  const workers = await Promise.all(Array.from({ length: WORKERS }, (_, i) => Child.start(`load${i}`, 'load-worker.js')));
  const b: Bench = { workers, params };
  if (profileOnly) return profile(b, setup.config, setup.dir);

  const rows: Row[] = [];
  const notes: string[] = [];
  const R = params.rounds;

  // ---------------------------------------------------------------- 1, 2, 4 (single node)
  const baseline = await startBaseline();
  const gateway = await startGateways('gateway', [setup.config]);
  const quiet = await startGateways('gateway-warn', [setup.warnConfig]);
  const pair = [baseline, gateway];
  for (const t of [...pair, quiet]) {
    await prepareLanes(b, t, `${t.key}:login`, (w) => loginAccountNames(params, w));
    await loginRound(b, t, 'token', Math.min(1000, params.loginMs)); // warm-up (JIT), not reported
  }
  const concurrency = WORKERS * params.lanesPerWorker;
  log(`1/2. token logins, ${concurrency} concurrent`);
  const token = await alternate(R, [...pair, quiet], (t) => loginRound(b, t, 'token'), log);
  await stopTarget(quiet);
  log(`1/2. name+pwd logins, ${concurrency} concurrent`);
  const pwd = await alternate(R, pair, (t) => loginRound(b, t, 'pwd'), log);
  failuresOf('token logins', token, notes);
  failuresOf('pwd logins', pwd, notes);
  const g = (m: Map<string, LoginRound[]>, key: string, f: (r: LoginRound) => number) => med(m.get(key), f);
  for (const [label, m] of [['token', token], ['name+pwd', pwd]] as const) {
    rows.push(
      { scenario: `1. connect+login (${label}), ${concurrency} concurrent`, figure: 'logins/s', value: g(m, 'gateway', (r) => r.rate), baseline: g(m, 'baseline', (r) => r.rate), unit: '/s', ...(label === 'token' ? { target: { ratioAtLeast: 0.85 } } : {}) },
      { scenario: `1. connect+login (${label})`, figure: 'latency p50', value: g(m, 'gateway', (r) => r.p50), baseline: g(m, 'baseline', (r) => r.p50), unit: 'ms' },
      { scenario: `1. connect+login (${label})`, figure: 'latency p99', value: g(m, 'gateway', (r) => r.p99), baseline: g(m, 'baseline', (r) => r.p99), unit: 'ms' },
    );
  }
  const cpuToken = g(token, 'gateway', (r) => r.cpu);
  const cpuPwd = g(pwd, 'gateway', (r) => r.cpu);
  rows.push(
    { scenario: '2. server CPU per login (token)', figure: 'CPU per login', value: cpuToken, baseline: g(token, 'baseline', (r) => r.cpu), unit: 'µs', target: { ratioAtMost: 1.2 } },
    { scenario: '2. server CPU per login (name+pwd)', figure: 'CPU per login', value: cpuPwd, baseline: g(pwd, 'baseline', (r) => r.cpu), unit: 'µs' },
    { scenario: '2. password hashing (scrypt N=16384)', figure: 'extra CPU per pwd login', value: cpuPwd - cpuToken, baseline: null, unit: 'µs' },
    { scenario: '2. token login with log_level "warn" (no line per login)', figure: 'CPU per login', value: g(token, 'gateway-warn', (r) => r.cpu), baseline: g(token, 'baseline', (r) => r.cpu), unit: 'µs', target: { ratioAtMost: 1.2 } },
    { scenario: '2. token login with log_level "warn"', figure: 'logins/s', value: g(token, 'gateway-warn', (r) => r.rate), baseline: g(token, 'baseline', (r) => r.rate), unit: '/s', target: { ratioAtLeast: 0.85 } },
  );

  log('4. kick latency, one node');
  const kick = await alternate(R, pair, (t, r) => kickRound(b, t, r), log);
  failuresOf('kick latency', kick, notes);
  const k = (m: Map<string, KickRound[]>, key: string, f: (r: KickRound) => number) => med(m.get(key), f);
  const kickScenario = `4. kick latency, one node, ${WORKERS * params.kickLanesPerWorker} lanes (baseline: first frame → ACK)`;
  rows.push(
    { scenario: kickScenario, figure: 'AUTH sent → KICKED p50', value: k(kick, 'gateway', (r) => r.p50), baseline: k(kick, 'baseline', (r) => r.p50), unit: 'ms' },
    { scenario: kickScenario, figure: 'AUTH sent → KICKED p99', value: k(kick, 'gateway', (r) => r.p99), baseline: k(kick, 'baseline', (r) => r.p99), unit: 'ms', target: { below: 10 } },
  );
  await stopTarget(baseline);

  // ---------------------------------------------------------------- 5, 4-cluster, 6-redis
  let redis: RedisProcess | null = null;
  let clusterWhy: string | null;
  try {
    redis = await startRedis();
    clusterWhy = await clusterProblem(redis);
  } catch (e) {
    clusterWhy = e instanceof Error ? e.message : String(e);
  }
  const notRun = (why: string) => `not run: ${why}`;
  if (clusterWhy === null && redis) {
    const cluster = await startGateways('cluster', [writeClusterConfig(setup.dir, redis.url, 'bench-a'), writeClusterConfig(setup.dir, redis.url, 'bench-b')], [], redis);
    try {
      await prepareLanes(b, cluster, 'cluster:login', (w) => loginAccountNames(params, w));
      await loginRound(b, cluster, 'token', Math.min(1000, params.loginMs));
      log('5. cluster (2 gateways + redis) vs single node, token logins');
      const cl = await alternate(R, [gateway, cluster], (t) => loginRound(b, t, 'token'), log);
      failuresOf('cluster logins', cl, notes);
      rows.push(
        { scenario: '5. cluster: 2 gateways + redis (baseline: one embedded node)', figure: 'logins/s', value: g(cl, 'cluster', (r) => r.rate), baseline: g(cl, 'gateway', (r) => r.rate), unit: '/s' },
        { scenario: '5. cluster (baseline: one embedded node)', figure: 'gateway CPU per login', value: g(cl, 'cluster', (r) => r.cpu), baseline: g(cl, 'gateway', (r) => r.cpu), unit: 'µs' },
        { scenario: '5. cluster', figure: 'redis-server CPU per login', value: g(cl, 'cluster', (r) => r.redisCpu), baseline: null, unit: 'µs' },
      );
      log('4. kick latency across two gateways');
      const ck = await alternate(R, [cluster], (t, r) => kickRound(b, t, r), log);
      failuresOf('cluster kick latency', ck, notes);
      rows.push(
        { scenario: '4. kick latency across two gateways (baseline: one node)', figure: 'AUTH sent → KICKED p50', value: k(ck, 'cluster', (r) => r.p50), baseline: k(kick, 'gateway', (r) => r.p50), unit: 'ms' },
        { scenario: '4. kick latency across two gateways (baseline: one node)', figure: 'AUTH sent → KICKED p99', value: k(ck, 'cluster', (r) => r.p99), baseline: k(kick, 'gateway', (r) => r.p99), unit: 'ms', target: { below: 25 } },
      );
    } finally {
      await Promise.all(cluster.servers.map((s) => s.stop()));
    }
  } else {
    const why = notRun(clusterWhy ?? 'redis-server did not start');
    rows.push(
      { scenario: '5. cluster: 2 gateways + redis', figure: 'logins/s, CPU per login', value: why, baseline: null, unit: '' },
      { scenario: '4. kick latency across two gateways', figure: 'AUTH sent → KICKED p50/p99', value: why, baseline: null, unit: '' },
    );
  }
  await stopTarget(gateway);

  // ---------------------------------------------------------------- 3 (fresh processes per round)
  log(`3. idle memory, ${WORKERS * params.holdPerWorker} authenticated sockets held`);
  const specs = [{ key: 'baseline', start: startBaseline }, { key: 'gateway', start: () => startGateways('gateway', [setup.config]) }];
  const mem = await alternate(R, specs, async (spec) => {
    const t: Target = await spec.start();
    try {
      await prepareLanes(b, t, `${t.key}:login`, (w) => loginAccountNames(params, w));
      await loginRound(b, t, 'token', 500); // warm-up: JIT and pools, before the "empty" reading
      return await memoryRound(b, t);
    } finally {
      await stopTarget(t);
    }
  }, log);
  failuresOf('memory', mem, notes);
  const mm = (key: string, f: (r: { rss: number; heap: number; held: number }) => number) => med(mem.get(key), f);
  const memScenario = `3. idle memory per authenticated socket, ${mm('gateway', (r) => r.held)} held`;
  rows.push(
    { scenario: memScenario, figure: 'RSS per socket', value: mm('gateway', (r) => r.rss), baseline: mm('baseline', (r) => r.rss), unit: 'B', target: { ratioAtMost: 1.3 } },
    { scenario: memScenario, figure: 'JS heap per socket', value: mm('gateway', (r) => r.heap), baseline: mm('baseline', (r) => r.heap), unit: 'B' },
  );

  // ---------------------------------------------------------------- 6
  log('6. registry micro-benchmark');
  for (const kind of ['memory', 'redis'] as const) {
    const label = kind === 'memory' ? '6. registry: in-memory' : '6. registry: Redis';
    if (kind === 'redis' && (clusterWhy !== null || !redis)) {
      rows.push({ scenario: label, figure: 'login decisions/s', value: notRun(clusterWhy ?? 'redis-server did not start'), baseline: null, unit: '' });
      continue;
    }
    const child = await Child.start(`registry-${kind}`, 'registry-bench.js');
    try {
      const runArgs = { durationMs: params.registryMs, accounts: 10_000, inflight: kind === 'memory' ? 256 : 64, ...(kind === 'redis' ? { redisUrl: redis!.url } : {}) };
      const rs = await alternate(R, [{ key: kind }], () => child.call<{ perSecond: number; failures: number }>('run', runArgs), log);
      rows.push({ scenario: label, figure: 'login decisions/s', value: med(rs.get(kind), (r) => r.perSecond), baseline: null, unit: '/s', ...(kind === 'memory' ? { target: { atLeast: 1_000_000 } } : {}) });
      await child.call('close');
    } finally {
      await child.stop();
    }
  }
  await redis?.stop();

  // cluster mode on one Redis vs a Redis Cluster, and the reap of a dead node (bench/redis-topology-bench.ts)
  const topology = await redisTopologyBench(quick, log).catch((e: unknown) => {
    notes.push(`Redis topology bench: ${e instanceof Error ? e.message : String(e)}`);
    return '';
  });
  const md = [
    '# tim-gateway benchmark results',
    '',
    `Written by \`npm run bench${quick ? ' -- --quick' : ''}\` on ${startedAt.toISOString()}.`,
    '',
    `- Machine: ${machine()}`,
    `- Load average (1/5/15 min): ${loadBefore} at the start, ${load()} at the end (other processes share these cores)`,
    `- Rounds: ${R} per scenario, baseline and gateway alternating; every figure is the median over rounds`,
    `- Load: ${WORKERS} load-generator processes; ${concurrency} concurrent lanes for logins (${params.loginMs / 1000} s per measurement); ${WORKERS * params.kickLanesPerWorker} lanes x ${params.kicksPerLane} kicks per round`,
    '- Baseline: a bare `ws` server answering the first binary frame with a fixed ACK (bench/baseline-server.ts)',
    '- Gateway: one process started from a tim.json like bench/setup.ts writes (log_level info to /dev/null, rate limits raised); token logins use resume tokens issued into the session table as if each account had logged in once and closed cleanly, rotated from each ACK',
    '- CPU figures come from the server process\'s own `process.cpuUsage()` (all threads); memory from `process.memoryUsage()` after full GCs in a fresh, warmed-up server process',
    '',
    table(rows),
    '',
    topology,
    ...(notes.length ? ['Failures seen during the run:', '', ...notes.map((n) => `- ${n}`), ''] : []),
  ].join('\n');
  // a quick run must not overwrite the committed results of a full one
  const out = quick ? join(setup.dir, 'RESULTS.md') : join(packageRoot, 'bench', 'RESULTS.md');
  writeFileSync(out, md);
  log(md);
  log(`\nwrote ${out}`);
}

for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.on(sig, () => {
    killAllChildren();
    process.exit(130);
  });
}
process.on('exit', killAllChildren);
const deadline = setTimeout(() => {
  console.error('bench: took longer than 20 minutes, giving up');
  process.exit(1);
}, 20 * 60_000);
deadline.unref();
main().then(
  () => {
    killAllChildren();
    process.exit(0);
  },
  (e: unknown) => {
    console.error('bench failed:', e);
    killAllChildren();
    process.exit(1);
  },
);
