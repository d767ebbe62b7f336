import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    exclude: ['test/slow/**', 'node_modules/**', 'dist/**'],
    // Most of the suite's time is CLI subprocesses waiting on Node start-up and scrypt, so two
    // workers help even on two cores (measured: test/cli 82 s with one worker, 44 s with two).
    maxWorkers: 2,
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
