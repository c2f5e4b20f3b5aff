import { availableParallelism } from 'node:os';
import { relative } from 'node:path';
import { defineConfig } from 'vitest/config';
import { BaseSequencer, type TestSpecification } from 'vitest/node';

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
 * The files over ~5 s, slowest first (seconds alone on the quiet 2-core
 * machine): they start first in their project, so no long file begins last
 * and holds the run up while the other workers are idle.
 */
const slowest = [
  'test/cluster-redis-cluster.test.ts', // 29
  'test/cluster.test.ts', // 27
  'test/restart-storm.test.ts', // 27
  'test/package.test.ts', // 23 (CPU: a clean build and two installs)
  'test/demo-browser.test.ts', // 23
  'test/dashboard-browser.test.ts', // 21
  'test/redis-cluster-failover.test.ts', // 17
  'test/fuzz-codec.test.ts', // 13 (CPU)
  'test/cli.test.ts', // 12
  'test/first-run.test.ts', // 12
  'test/dashboard-stream-end.test.ts', // 10
  'test/reconnect-storm.test.ts', // 10
  'test/redis-resharding.test.ts', // 10
  'test/redis-recount.test.ts', // 10
  'test/shutdown.test.ts', // 7
  'test/http-token-upkeep.test.ts', // 7
  'test/redis-cluster-stall.test.ts', // 7
  'test/sentinel.test.ts', // 6
  'test/admin-cli.test.ts', // 6
  'test/admin-reconnect.test.ts', // 5
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
    sequence: { sequencer: SlowestFirst },
    reporters: ['default'],
    projects: [
      {
        extends: true,
        test: {
          name: 'core',
          include: ['test/**/*.test.ts'],
          exclude: system,
          // two files per core: most of a file's time is spent waiting on sockets, servers and child processes.
          // Every server a test starts listens on port 0, or on a port picked below the ephemeral range with a
          // retry when a parallel file took it (test/support/free-port.ts); every file writes into its own
          // temporary folders.
          maxWorkers: Math.max(2, 2 * availableParallelism()),
          sequence: { groupOrder: 0 },
        },
      },
      {
        extends: true,
        // then the system files one at a time: each loads both cores on its own (thousands of clients, several
        // gateway processes, Chromium, a Redis Cluster failover), and two of them at once starved each other's
        // leases and timeouts on a loaded machine
        test: { name: 'system', include: system, maxWorkers: 1, sequence: { groupOrder: 1 } },
      },
    ],
  },
});
