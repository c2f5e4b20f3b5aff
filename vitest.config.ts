import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // generous: on two cores shared with other work a CPU-bound property test can take several times its quiet-machine time;
    // a test about time has its own deadline, not this one
    testTimeout: 90_000,
    hookTimeout: 90_000,
    pool: 'forks',
    reporters: ['default'],
  },
});
