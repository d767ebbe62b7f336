import { defineConfig } from 'vitest/config';

// npm run test:slow: the long suites kept out of npm test (test/slow).
export default defineConfig({
  test: {
    include: ['test/slow/**/*.test.ts'],
    maxWorkers: 1,
    testTimeout: 3_600_000,
    hookTimeout: 600_000,
  },
});
