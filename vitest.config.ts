import { configDefaults, defineConfig } from 'vitest/config';

const ALL = ['packages/*/test/**/*.test.ts', 'apps/*/test/**/*.test.ts', 'bench/test/**/*.test.ts'];

/**
 * The slow part of the suite: whole processes started, killed and restarted, fleets of them, the
 * browser, the benchmark harness, and the matrices that render many real videos. `npm test` skips
 * these so that the developers' default stays near three minutes on 2 cores; `npm run test:full`
 * (scripts/test, CI) runs everything. A new test belongs here when it takes seconds of wall time.
 */
const SLOW = [
  '**/*.e2e.test.ts',
  '**/*.browser.test.ts',
  'apps/server/test/process/**/*.test.ts',
  'apps/server/test/fleet/**/*.test.ts',
  'apps/server/test/engines/preview-*.test.ts',
  'apps/server/test/http/auth-cache.test.ts',
  'apps/server/test/adapters/postgres.conformance.test.ts',
  'apps/cli/test/runner/**/*.test.ts',
  'apps/cli/test/server-commands.test.ts',
  'apps/cli/test/keys-limits.test.ts',
  'apps/cli/test/usage.test.ts',
  'apps/cli/test/client-commands.test.ts',
  'packages/sdk/test/build.test.ts',
  'bench/test/**/*.test.ts',
];

export default defineConfig({
  test: {
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: 'forks',
    reporters: ['default'],
    projects: [
      { extends: true, test: { name: 'fast', include: ALL, exclude: [...configDefaults.exclude, ...SLOW] } },
      { extends: true, test: { name: 'slow', include: SLOW } },
    ],
  },
});
