import { availableParallelism } from 'node:os';
import { relative } from 'node:path';
import { defineConfig } from 'vitest/config';
import { BaseSequencer, type TestSpecification } from 'vitest/node';

/**
 * Files that run the built command line and gateway as child processes, many
 * of them (project "processes"): each start costs a Node process's start-up
 * CPU, so they are left out of the quick `npm run test:core`.
 */
const processes = ['test/cli.test.ts', 'test/first-run.test.ts', 'test/shutdown.test.ts', 'test/admin-cli.test.ts', 'test/lazy-modules.test.ts'];

/**
 * Files that need a Redis Cluster, Sentinel, Chromium, thousands of clients,
 * several gateway processes or an npm install: the slow part of `npm test`,
 * left out of the quick `npm run test:core` (project "core").
 */
const system = [
  'test/cluster-redis-cluster.test.ts',
  'test/cluster.test.ts',
  'test/restart-storm.test.ts',
  'test/package.test.ts',
  'test/demo-browser.test.ts',
  'test/dashboard-browser.test.ts',
  'test/redis-cluster-failover.test.ts',
  'test/reconnect-storm.test.ts',
  'test/redis-resharding.test.ts',
  'test/redis-recount.test.ts',
  'test/http-token-upkeep.test.ts',
  'test/redis-cluster-stall.test.ts',
  'test/sentinel.test.ts',
  'test/redis-cluster-registry.test.ts',
  'test/redis-token-login.test.ts',
];

/**
 * The files over ~5 s, slowest first within their project: they start first,
 * so no long file begins last and holds the run up while the other workers
 * are idle. Seconds in a quiet run of the whole project (core: four files at
 * once; system: one at a time). Core's two that mostly wait on a timer
 * (auth_url_timeout, dashboard_session_ttl) go first of all: they leave the
 * cores to the others meanwhile.
 */
const slowest = [
  'test/cluster-redis-cluster.test.ts', // 29
  'test/cluster.test.ts', // 27
  'test/restart-storm.test.ts', // 27
  'test/package.test.ts', // 23 (CPU: a clean build and two installs)
  'test/demo-browser.test.ts', // 23
  'test/dashboard-browser.test.ts', // 21
  'test/redis-cluster-failover.test.ts', // 17
  'test/reconnect-storm.test.ts', // 10
  'test/redis-resharding.test.ts', // 10
  'test/redis-recount.test.ts', // 10
  'test/http-token-upkeep.test.ts', // 7
  'test/redis-cluster-stall.test.ts', // 7
  'test/sentinel.test.ts', // 6
  'test/auth-url.test.ts', // 15 (10 s waiting on a hanging service)
  'test/dashboard-stream-end.test.ts', // 11 (10 s waiting for a session to expire)
  'test/cli.test.ts', // 20 (processes)
  'test/first-run.test.ts', // 18 (processes)
  'test/shutdown.test.ts', // 16 (processes)
  'test/fuzz-codec.test.ts', // 15 (CPU)
  'test/admin-reconnect.test.ts', // 10
  'test/redis-scale.test.ts', // 10
  'test/password-checks.test.ts', // 9
  'test/admin-cli.test.ts', // 9
  'test/redis-owed-removals.test.ts', // 9
  'test/admin-password-checks.test.ts', // 9
  'test/fuzz-socket.test.ts', // 8
  'test/webhooks.test.ts', // 7
];

/** Vitest's order (failed first, then longest last time, else largest), with the known slowest files moved to the front. */
class SlowestFirst extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const rank = (f: TestSpecification): number => {
      const i = slowest.indexOf(relative(f.project.config.root, f.moduleId));
      return i === -1 ? slowest.length : i;
    };
    return (await super.sort(files)).sort((a, b) => rank(a) - rank(b));
  }
}

export default defineConfig({
  test: {
    // generous: on two cores shared with other work (and with the other files of this run) a CPU-bound property test
    // can take ten times its quiet-machine time; a test about time has its own deadline, not this one
    testTimeout: 300_000,
    hookTimeout: 300_000,
    pool: 'forks',
    // each test's clean-ups (gateways, clients, servers) run after it: see the file for why it is a setup file
    setupFiles: ['test/support/after-each-cleanups.ts'],
    sequence: { sequencer: SlowestFirst },
    reporters: ['default'],
    projects: [
      {
        extends: true,
        test: {
          name: 'core',
          include: ['test/**/*.test.ts'],
          exclude: [...processes, ...system],
          // two files per core: most of a file's time is spent waiting on sockets, servers and child processes.
          // Every server a test starts listens on port 0, or on a port picked below the ephemeral range with a
          // retry when a parallel file took it (test/support/free-port.ts); every file writes into its own
          // temporary folders.
          maxWorkers: Math.max(2, 2 * availableParallelism()),
          // a worker runs its files one after another in one module cache: each file no longer re-imports the
          // gateway (pino, ws, protobufjs, prom-client, jose), which was most of the project's CPU (219 → 138 s
          // of CPU, 114 → 84 s wall, quiet machine). No file mocks modules or changes global state it does not restore.
          isolate: false,
          sequence: { groupOrder: 0 },
        },
      },
      {
        extends: true,
        // then the child-process files, as many at once as core: they mostly wait on their children
        test: { name: 'processes', include: processes, maxWorkers: Math.max(2, 2 * availableParallelism()), isolate: false, sequence: { groupOrder: 1 } },
      },
      {
        extends: true,
        // then the system files one at a time: each loads both cores on its own (thousands of clients, several
        // gateway processes, Chromium, a Redis Cluster failover), and two of them at once starved each other's
        // leases and timeouts on a loaded machine
        test: { name: 'system', include: system, maxWorkers: 1, sequence: { groupOrder: 2 } },
      },
    ],
  },
});
