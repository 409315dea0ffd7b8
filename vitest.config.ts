import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Real files, real subprocesses: give slow machines room, but never unbounded.
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
