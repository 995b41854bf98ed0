import { configDefaults, defineConfig } from 'vitest/config';

const ALL = ['packages/*/test/**/*.test.ts', 'apps/*/test/**/*.test.ts', 'bench/test/**/*.test.ts'];

/**
 * The slow part of the suite: whole processes started, killed and restarted, fleets of them, the
 * browser, the benchmark harness, and the matrices that render many real videos. `npm test` skips
 * these so that the developers' default stays under three minutes on 2 cores; `npm run test:full`
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
  // The binary run as a child process, many times over: seconds each. Flag parsing, connection
  // resolution and the docs' wording stay fast (request-flags, connection, keys-limit-flags, cli-md).
  'apps/cli/test/{admin-data-dir,exit-codes,help,local-files,login,migrate,queue,terminal}.test.ts',
  'apps/cli/test/docs/doc-commands.test.ts',
  'apps/server/test/runners/protocol.test.ts',
  'apps/server/test/results/own-media-source.test.ts',
  'apps/server/test/media/preview-e2e.test.ts',
  'apps/cli/test/server-commands.test.ts',
  'apps/cli/test/keys-limits.test.ts',
  'apps/cli/test/usage.test.ts',
  'apps/cli/test/client-commands.test.ts',
  'packages/sdk/test/build.test.ts',
  'bench/test/**/*.test.ts',
];

/**
 * Fast files that wait on leases, deadlines or a CLI's polling: on 2 cores, two of them at once
 * (or one beside a busy neighbour) miss their timings, so they run one at a time after the rest of
 * the fast files, which run two at a time.
 */
const TIMED = [
  'apps/server/test/runners/**/*.test.ts',
  'apps/server/test/workers/**/*.test.ts',
  'apps/server/test/tasks/**/*.test.ts',
  'apps/cli/test/**/*.test.ts',
  'packages/sdk/test/**/*.test.ts',
  'packages/runner/test/**/*.test.ts',
];

export default defineConfig({
  test: {
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: 'forks',
    reporters: ['default'],
    projects: [
      {
        extends: true,
        test: {
          name: 'fast',
          include: ALL,
          exclude: [...configDefaults.exclude, ...SLOW, ...TIMED],
          maxWorkers: 2,
          sequence: { groupOrder: 0 },
        },
      },
      {
        extends: true,
        test: {
          name: 'fast-timed',
          include: TIMED,
          exclude: [...configDefaults.exclude, ...SLOW],
          maxWorkers: 1,
          sequence: { groupOrder: 1 },
        },
      },
      { extends: true, test: { name: 'slow', include: SLOW, maxWorkers: 1, sequence: { groupOrder: 2 } } },
    ],
  },
});
