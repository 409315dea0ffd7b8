import { configDefaults, defineConfig } from 'vitest/config';

/** The tests that need PostgreSQL: their project's global setup starts one private cluster for the run. */
const POSTGRES = ['test/ledger/**/*.test.ts'];

export default defineConfig({
  test: {
    // Real files, real subprocesses: give slow machines room, but never unbounded.
    testTimeout: 60_000,
    hookTimeout: 60_000,
    projects: [
      { extends: true, test: { name: 'main', include: ['test/**/*.test.ts'], exclude: [...configDefaults.exclude, ...POSTGRES] } },
      // Vitest runs a project's global setup only when one of its files is queued, so other runs never start the cluster.
      { extends: true, test: { name: 'postgres', include: POSTGRES, globalSetup: ['test/support/postgres-global.ts'] } },
    ],
  },
});
