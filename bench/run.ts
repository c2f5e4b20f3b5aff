/**
 * `npm run bench`: measures tim-gateway against a bare `ws` baseline on the
 * same machine in the same run, alternating the two for several rounds, and
 * writes the medians and their ratios to bench/RESULTS.md.
 *
 *   npm run bench               full run (a few minutes)
 *   npm run bench -- --quick    small counts, for development (also BENCH_QUICK=1)
 *   npm run bench -- --profile  CPU profile of the gateway under token logins, summarized
 *   npm run bench -- --profile=cluster
 *                               the same for an embedded node and for one of two
 *                               gateways sharing a redis-server
 *   npm run bench -- --only=memory,registry --rounds=1 [--profile-idle]
 *                               only these groups (login, burst, cluster, memory,
 *                               registry), N rounds, a profile of the idle window;
 *                               written to a temp folder, never to bench/RESULTS.md
 *   npm run bench -- --topology only the store topologies section (embedded, one Redis, Redis Cluster), printed
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildConfig } from '../src/config/load.js';
import { createLogger } from '../src/logger.js';
import { createStore } from '../src/session/store.js';
import { packageRoot } from '../src/package-root.js';
import { summarizeProfile } from './profile-summary.js';
import { load, machine, table, type Row } from './report.js';
import { startRedis, type RedisProcess } from './redis-server.js';
import { redisTopologyBench } from './redis-topology-bench.js';
import { Child, runBench } from './rpc.js';
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
  type MemoryRound,
  type Params,
} from './scenarios.js';
import { writeClusterConfig, writeSetup } from './setup.js';
import { allBurstAccountNames, BURST_PING_EVERY_MS, BURST_PING_SOCKETS_PER_WORKER, BURST_TOKEN_LANES_PER_WORKER, burstRound, prepareBurst, type BurstRound } from './burst-scenario.js';
import { CommandTally, commandsRound, perOp, type PerOp } from './redis-commands.js';
import { median } from './stats.js';
import { cpuOf, startBaseline, startGateways, stopTarget, type Target } from './targets.js';

const argv = process.argv.slice(2);
const quick = argv.includes('--quick') || process.env.BENCH_QUICK === '1';
const profileOnly = argv.includes('--profile') || argv.includes('--profile=cluster');
const profileCluster = argv.includes('--profile=cluster');
/** `--only=login,burst,cluster,memory,registry`: run only these groups of scenarios (development; never written to bench/RESULTS.md). */
const only = argv.find((a) => a.startsWith('--only='))?.slice('--only='.length).split(',') ?? null;
const want = (group: 'login' | 'burst' | 'cluster' | 'memory' | 'registry'): boolean => only === null || only.includes(group);
const topologyOnly = argv.includes('--topology');
/** Load-generator processes (clients never share a process with a server). */
const WORKERS = 2;

const params: Params = quick
  ? { rounds: 3, loginMs: 1000, lanesPerWorker: 16, accountsPerLane: 8, holdPerWorker: 500, kickLanesPerWorker: 2, kicksPerLane: 20, registryMs: 500 }
  : { rounds: 3, loginMs: 5000, lanesPerWorker: 32, accountsPerLane: 16, holdPerWorker: 9500, kickLanesPerWorker: 4, kicksPerLane: 100, registryMs: 2000 };
/** Idle window of the held sockets: one default heartbeat interval (30 s), so every socket is pinged once in it. */
const IDLE_MS = quick ? 3000 : 30_000;
/** Length of each half of a password-burst round. */
const BURST_MS = quick ? 2000 : 5000;
/** Account counts of the in-memory registry micro-benchmark (the figure must not fall as they grow). */
const REGISTRY_ACCOUNTS = quick ? [1000, 100_000] : [1000, 100_000, 1_000_000];

const log = (s: string): void => console.log(s);
const med = <T>(xs: T[] | undefined, f: (x: T) => number): number => median((xs ?? []).map(f));
const failuresOf = (name: string, rounds: Map<string, { failures: number; firstError: string }[]>, notes: string[]): void => {
  for (const [key, rs] of rounds) {
    const n = rs.reduce((a, r) => a + r.failures, 0);
    if (n > 0) notes.push(`${name}, ${key}: ${n} failed attempts (first: ${rs.find((r) => r.firstError)?.firstError})`);
  }
};

/** The hand-written log of measured changes at the end of RESULTS.md (from its CHANGES_HEADING on), kept across runs. */
const CHANGES_HEADING = '## Changes measured';
function keptNotes(file: string): string {
  const old = existsSync(file) ? readFileSync(file, 'utf8') : '';
  const at = old.indexOf(CHANGES_HEADING);
  return at < 0 ? '' : `\n${old.slice(at)}`;
}

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
  const ms = quick ? 2000 : 8000;
  const starts: (() => Promise<Target>)[] = profileCluster
    ? [() => startGateways('gateway', [config]), async () => clusterOn(dir, await startRedis())]
    : [() => startBaseline(), () => startGateways('gateway', [config])];
  for (const start of starts) {
    const t = await start();
    try {
      await prepareLanes(b, t, `${t.key}:login`, (w) => loginAccountNames(params, w));
      await loginRound(b, t, 'token', 1000);
      const file = join(dir, `${t.key}-token-login.cpuprofile`);
      const c0 = await cpuOf(t);
      await t.servers[0]!.call('profileStart');
      const r = await loginRound(b, t, 'token', ms);
      await t.servers[0]!.call('profileStop', { file });
      const c1 = await cpuOf(t);
      const logins = r.rate * (ms / 1000);
      const redis = t.redis ? `; redis-server ${Math.round((c1.redis - c0.redis) / logins)} µs per login` : '';
      // the profiled process handles about its share of the logins (the lanes spread over the target's urls)
      const share = logins / t.servers.length;
      log(`\n== ${t.key}: ${Math.round(r.rate)} logins/s, ${Math.round(r.cpu)} µs CPU per login (cpuUsage)${redis}; profile of ${t.servers[0]!.name} in ${file}`);
      log(summarizeProfile(file, 30, share));
    } finally {
      await stopTarget(t);
    }
  }
}

/** Starts the bench's cluster target: two gateways in cluster mode sharing `redis`. */
function clusterOn(dir: string, redis: RedisProcess): Promise<Target> {
  return startGateways('cluster', [writeClusterConfig(dir, redis.url, 'bench-a'), writeClusterConfig(dir, redis.url, 'bench-b')], [], redis);
}

async function main(): Promise<void> {
  const startedAt = new Date();
  const loadBefore = load();
  log(`tim-gateway bench (${quick ? 'quick' : 'full'}): ${machine()}; load ${loadBefore}`);
  if (topologyOnly) return log(await redisTopologyBench(quick, log));
  const setup = await writeSetup([...allAccountNames(params, WORKERS), ...allBurstAccountNames(WORKERS)]);
  const workers = await Promise.all(Array.from({ length: WORKERS }, (_, i) => Child.start(`load${i}`, 'load-worker.js')));
  const b: Bench = { workers, params };
  if (profileOnly) return profile(b, setup.config, setup.dir);

  const rows: Row[] = [];
  const notes: string[] = [];
  /** What is behind some figures (command breakdowns). */
  const details: string[] = [];
  const R = Number(argv.find((a) => a.startsWith('--rounds='))?.slice('--rounds='.length) ?? params.rounds);

  const gateway = await startGateways('gateway', [setup.config]);
  const g = (m: Map<string, LoginRound[]>, key: string, f: (r: LoginRound) => number) => med(m.get(key), f);
  const k = (m: Map<string, KickRound[]>, key: string, f: (r: KickRound) => number) => med(m.get(key), f);
  let kick = new Map<string, KickRound[]>();
  const concurrency = WORKERS * params.lanesPerWorker;
  await prepareLanes(b, gateway, 'gateway:login', (w) => loginAccountNames(params, w));
  await loginRound(b, gateway, 'token', Math.min(1000, params.loginMs)); // warm-up (JIT), not reported

  // ---------------------------------------------------------------- 1, 2, 4 (single node)
  if (want('login')) {
    const baseline = await startBaseline();
    const quiet = await startGateways('gateway-warn', [setup.warnConfig]);
    const pair = [baseline, gateway];
    for (const t of [baseline, quiet]) {
      await prepareLanes(b, t, `${t.key}:login`, (w) => loginAccountNames(params, w));
      await loginRound(b, t, 'token', Math.min(1000, params.loginMs)); // warm-up (JIT), not reported
  }
  log(`1/2. token logins, ${concurrency} concurrent`);
  const token = await alternate(R, [...pair, quiet], (t) => loginRound(b, t, 'token'), log);
  await stopTarget(quiet);
  log(`1/2. name+pwd logins, ${concurrency} concurrent`);
  const pwd = await alternate(R, pair, (t) => loginRound(b, t, 'pwd'), log);
  failuresOf('token logins', token, notes);
  failuresOf('pwd logins', pwd, notes);
  for (const [label, m] of [['token', token], ['name+pwd', pwd]] as const) {
    rows.push(
      { scenario: `1. connect+login (${label}), ${concurrency} concurrent`, figure: 'logins/s', value: g(m, 'gateway', (r) => r.rate), baseline: g(m, 'baseline', (r) => r.rate), unit: '/s', ...(label === 'token' ? { target: { ratioAtLeast: 0.9 } } : {}) },
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
    { scenario: '2. token login with log_level "warn"', figure: 'logins/s', value: g(token, 'gateway-warn', (r) => r.rate), baseline: g(token, 'baseline', (r) => r.rate), unit: '/s', target: { ratioAtLeast: 0.9 } },
  );

  log('4. kick latency, one node');
  kick = await alternate(R, pair, (t, r) => kickRound(b, t, r), log);
  failuresOf('kick latency', kick, notes);
  const kickScenario = `4. kick latency, one node, ${WORKERS * params.kickLanesPerWorker} lanes (baseline: first frame → ACK)`;
  rows.push(
    { scenario: kickScenario, figure: 'AUTH sent → KICKED p50', value: k(kick, 'gateway', (r) => r.p50), baseline: k(kick, 'baseline', (r) => r.p50), unit: 'ms' },
    { scenario: kickScenario, figure: 'AUTH sent → KICKED p99', value: k(kick, 'gateway', (r) => r.p99), baseline: k(kick, 'baseline', (r) => r.p99), unit: 'ms', target: { below: 10 } },
  );
  await stopTarget(baseline);
  }

  if (want('burst')) {
    log('2b. password burst: 200 password logins in flight beside token logins');
    await prepareBurst(b, gateway);
    const burst = await alternate(R, [gateway], (t) => burstRound(b, t, BURST_MS), log);
    const bu = (f: (r: BurstRound) => number) => med(burst.get('gateway'), f);
    for (const r of burst.get('gateway') ?? []) {
      const kinds = [['token logins during the burst', r.during.token], ['pings during the burst', r.during.ping], ['token logins without the burst', r.quiet.token], ['pings without the burst', r.quiet.ping]] as const;
      for (const [what, x] of kinds) if (x.failures > 0) notes.push(`password burst, ${what}: ${x.failures} failed (first: ${x.firstError})`);
    }
    const burstLanes = `${WORKERS * BURST_TOKEN_LANES_PER_WORKER} token lanes`;
    const pingSockets = WORKERS * BURST_PING_SOCKETS_PER_WORKER;
    rows.push(
      { scenario: `2b. token logins during 200 password logins in flight, ${burstLanes} (baseline: same lanes, no burst)`, figure: 'token latency p99', value: bu((r) => r.during.token.p99), baseline: bu((r) => r.quiet.token.p99), unit: 'ms' },
      { scenario: '2b. token logins during the password burst (baseline: no burst)', figure: 'token logins/s', value: bu((r) => r.during.token.rate), baseline: bu((r) => r.quiet.token.rate), unit: '/s' },
      { scenario: '2b. token logins that failed during the password burst (baseline: no burst; the first error in the notes)', figure: 'failed logins', value: bu((r) => r.during.token.failures), baseline: bu((r) => r.quiet.token.failures), unit: '' },
      { scenario: `2b. PING round trip of ${pingSockets} logged-in sockets, one PING each per ${BURST_PING_EVERY_MS} ms, during the burst (baseline: same sockets, no burst)`, figure: 'ping p50', value: bu((r) => r.during.ping.p50), baseline: bu((r) => r.quiet.ping.p50), unit: 'ms' },
      { scenario: '2b. PING round trip during the burst (baseline: no burst)', figure: 'ping p99', value: bu((r) => r.during.ping.p99), baseline: bu((r) => r.quiet.ping.p99), unit: 'ms' },
      { scenario: '2b. PINGs not answered within 10 s or on a closed socket, during the burst (baseline: no burst)', figure: 'failed pings', value: bu((r) => r.during.ping.failures), baseline: bu((r) => r.quiet.ping.failures), unit: '' },
      { scenario: '2b. the password burst', figure: 'password logins/s', value: bu((r) => r.pwdRate), baseline: null, unit: '/s' },
      { scenario: '2b. the password burst', figure: 'password latency p99', value: bu((r) => r.pwdP99), baseline: null, unit: 'ms' },
      { scenario: '2b. the password burst', figure: 'server CPU, % of one core', value: bu((r) => r.cpu), baseline: null, unit: '%' },
    );
  }

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
  if (!want('cluster')) {
    // skipped (--only)
  } else if (clusterWhy === null && redis) {
    const cluster = await clusterOn(setup.dir, redis);
    try {
      await prepareLanes(b, cluster, 'cluster:login', (w) => loginAccountNames(params, w));
      await loginRound(b, cluster, 'token', Math.min(1000, params.loginMs));
      log('5. cluster (2 gateways + redis) vs single node, token logins');
      const cl = await alternate(R, [gateway, cluster], (t) => loginRound(b, t, 'token'), log);
      failuresOf('cluster logins', cl, notes);
      rows.push(
        { scenario: '5. cluster: 2 gateways + redis (baseline: one embedded node)', figure: 'logins/s', value: g(cl, 'cluster', (r) => r.rate), baseline: g(cl, 'gateway', (r) => r.rate), unit: '/s' },
        { scenario: '5. cluster (baseline: one embedded node)', figure: 'gateway CPU per login', value: g(cl, 'cluster', (r) => r.cpu), baseline: g(cl, 'gateway', (r) => r.cpu), unit: 'µs', target: { ratioAtMost: 1.3 } },
        { scenario: '5. cluster', figure: 'redis-server CPU per login', value: g(cl, 'cluster', (r) => r.redisCpu), baseline: null, unit: 'µs', target: { atMost: 35 } },
        { scenario: '5. cluster: socket reads redis-server made per login+close (its 2 scripts; commands sent in one turn leave in one write)', figure: 'reads', value: g(cl, 'cluster', (r) => r.redisReads), baseline: null, unit: '' },
      );
      log('4. kick latency across two gateways');
      const ck = await alternate(R, [cluster], (t, r) => kickRound(b, t, r), log);
      failuresOf('cluster kick latency', ck, notes);
      log('5. Redis commands per login, close, logout, kick (MONITOR)');
      const tally = await CommandTally.start(redis.url);
      try {
        const cmds = await commandsRound(b, cluster, tally, Math.min(1000, params.holdPerWorker));
        if (cmds.failures) notes.push(`Redis commands: ${cmds.failures} failed attempts (first: ${cmds.firstError})`);
        const k0 = await tally.snapshot();
        const kr = await kickRound(b, cluster, 0);
        const kickCmds = perOp(k0, await tally.snapshot(), kr.samples);
        const cmdRow = (what: string, c: PerOp, target?: Row['target']): Row => ({
          scenario: `5. cluster: Redis commands per ${what} (sent by the gateway; ${c.inScripts.toFixed(1)} more run inside scripts)`,
          figure: 'commands sent',
          value: c.sent,
          baseline: null,
          unit: '',
          ...(target ? { target } : {}),
        });
        rows.push(
          cmdRow('token login (resume)', cmds.login),
          // the lease renewals of the counted period (a few per minute, not per login) add a few hundredths to the round trips
          { scenario: '5. cluster: Redis commands per token login that its ACK waits for (all sent but PUBLISH)', figure: 'round trips', value: Math.round(cmds.login.awaited * 10) / 10, baseline: null, unit: '', target: { atMost: 1 } },
          cmdRow('clean close', cmds.close),
          cmdRow('LOGOUT', cmds.logout),
          cmdRow('kicking login (login token, evicts the previous socket on the other node)', kickCmds),
        );
        details.push(
          `Redis commands per token login: ${cmds.login.byCommand}`,
          `Redis commands per clean close: ${cmds.close.byCommand}`,
          `Redis commands per LOGOUT: ${cmds.logout.byCommand}`,
          `Redis commands per kicking login: ${kickCmds.byCommand}`,
        );
      } finally {
        tally.stop();
      }
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
  if (want('memory')) {
    log(`3. idle memory and CPU, ${WORKERS * params.holdPerWorker} authenticated sockets held`);
    // the baseline pings its sockets as the gateway does (same sweep, same default interval): the floor of a heartbeat
    const specs = [{ key: 'baseline', start: () => startBaseline(buildConfig({}).heartbeat_interval * 1000) }, { key: 'gateway', start: () => startGateways('gateway', [setup.config]) }];
    const mem = await alternate(R, specs, async (spec) => {
      const t: Target = await spec.start();
      try {
        await prepareLanes(b, t, `${t.key}:login`, (w) => loginAccountNames(params, w));
        await loginRound(b, t, 'token', 500); // warm-up: JIT and pools, before the "empty" reading
        // --profile-idle: a CPU profile of the gateway's idle window, summarized
      const file = argv.includes('--profile-idle') ? join(setup.dir, `${t.key}-idle.cpuprofile`) : undefined;
      const r = await memoryRound(b, t, IDLE_MS, file);
      if (file) log(summarizeProfile(file, 40));
      return r;
      } finally {
        await stopTarget(t);
      }
    }, log);
    failuresOf('memory', mem, notes);
    const mm = (key: string, f: (r: MemoryRound) => number) => med(mem.get(key), f);
    const memScenario = `3. idle memory per authenticated socket, ${mm('gateway', (r) => r.held)} held`;
    rows.push(
      { scenario: memScenario, figure: 'RSS per socket', value: mm('gateway', (r) => r.rss), baseline: mm('baseline', (r) => r.rss), unit: 'B', target: { ratioAtMost: 1.1 } },
      { scenario: memScenario, figure: 'JS heap per socket', value: mm('gateway', (r) => r.heap), baseline: mm('baseline', (r) => r.heap), unit: 'B' },
      { scenario: `3. idle CPU holding ${mm('gateway', (r) => r.held)} authenticated sockets, default heartbeat (${IDLE_MS / 1000} s window; baseline: bare ws pinging each socket as often, through the same sweep)`, figure: 'server CPU, % of one core', value: mm('gateway', (r) => r.idleHeld), baseline: mm('baseline', (r) => r.idleHeld), unit: '%', target: { atMost: 3 } },
      { scenario: '3. idle CPU with no socket (5 s window)', figure: 'server CPU, % of one core', value: mm('gateway', (r) => r.idleEmpty), baseline: mm('baseline', (r) => r.idleEmpty), unit: '%' },
    );
  }

  // ---------------------------------------------------------------- 6
  log('6. registry micro-benchmark');
  const registryRuns: { label: string; kind: 'memory' | 'redis'; accounts: number }[] = [
    ...REGISTRY_ACCOUNTS.map((accounts) => ({ label: `6. registry: in-memory, ${accounts.toLocaleString('en-US')} accounts`, kind: 'memory' as const, accounts })),
    { label: '6. registry: Redis, 10,000 accounts', kind: 'redis', accounts: 10_000 },
  ];
  let registryFirst = NaN;
  for (const { label, kind, accounts } of want('registry') ? registryRuns : []) {
    if (kind === 'redis' && (clusterWhy !== null || !redis)) {
      rows.push({ scenario: label, figure: 'login decisions/s', value: notRun(clusterWhy ?? 'redis-server did not start'), baseline: null, unit: '' });
      continue;
    }
    // one process per size: a fresh heap, so a bigger table does not pay for a smaller one's garbage
    const child = await Child.start(`registry-${kind}-${accounts}`, 'registry-bench.js', {}, ['--max-old-space-size=6144']);
    try {
      const runArgs = { durationMs: params.registryMs, accounts, inflight: kind === 'memory' ? 256 : 64, ...(kind === 'redis' ? { redisUrl: redis!.url } : {}) };
      const rs = await alternate(R, [{ key: kind }], () => child.call<{ perSecond: number; failures: number }>('run', runArgs, 600_000), log);
      const perSecond = med(rs.get(kind), (r) => r.perSecond);
      if (kind === 'memory' && Number.isNaN(registryFirst)) registryFirst = perSecond;
      const target = kind === 'memory' && accounts === 100_000 ? { target: { atLeast: 1_500_000 } } : {};
      rows.push({ scenario: `${label}${kind === 'memory' ? ' (baseline: 1,000 accounts)' : ''}`, figure: 'login decisions/s', value: perSecond, baseline: kind === 'memory' ? registryFirst : null, unit: '/s', ...target });
      await child.call('close');
    } finally {
      await child.stop();
    }
  }
  await redis?.stop();

  // cluster mode on one Redis vs a Redis Cluster, and the reap of a dead node (bench/redis-topology-bench.ts)
  const topology = !want('cluster')
    ? ''
    : await redisTopologyBench(quick, log).catch((e: unknown) => {
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
    '- Baseline: a bare `ws` server answering the first binary frame with a fixed ACK (bench/baseline-server.ts); in scenario 3 it also pings each socket once per default heartbeat interval through the gateway\'s sweep',
    '- Gateway: one process started from a tim.json like bench/setup.ts writes (log_level info to /dev/null, rate limits raised); token logins use resume tokens issued into the session table as if each account had logged in once and closed cleanly, rotated from each ACK',
    '- CPU figures come from the server process\'s own `process.cpuUsage()` (all threads); memory from `process.memoryUsage()` after full GCs in a fresh, warmed-up server process',
    '',
    table(rows),
    '',
    topology,
    ...(details.length ? ['Details:', '', ...details.map((n) => `- ${n}`), ''] : []),
    ...(notes.length ? ['Failures seen during the run:', '', ...notes.map((n) => `- ${n}`), ''] : []),
  ].join('\n');
  // a quick run must not overwrite the committed results of a full one
  const out = quick || only ? join(setup.dir, 'RESULTS.md') : join(packageRoot, 'bench', 'RESULTS.md');
  writeFileSync(out, md + keptNotes(join(packageRoot, 'bench', 'RESULTS.md')));
  log(md);
  log(`\nwrote ${out}`);
}

/** A bound against a hung run, not a time budget: at load averages of 10-15 (other engineers' suites) a full run takes over 20 minutes. */
const DEADLINE_MIN = 45;
const deadline = setTimeout(() => {
  console.error(`bench: took longer than ${DEADLINE_MIN} minutes, giving up`);
  process.exit(1);
}, DEADLINE_MIN * 60_000);
deadline.unref();
runBench('bench', main);
