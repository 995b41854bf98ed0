/**
 * `vidforge usage` against a real server's database, embedded SQLite and PostgreSQL: tasks that
 * succeeded, failed (after retries) and were cancelled, reported by day, key, endpoint and
 * operation, as a table and as JSON; filters; bad dates refused before anything is opened.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { pollTask, startTestServer, type TestServer } from '../../server/test/support/index.ts';
import { createTestSchema, TEST_DATABASE_URL } from '../../server/test/support/postgres.ts';
import { runCli } from './support/run-cli.ts';

const cleanups: (() => Promise<unknown>)[] = [];
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

const today = () => new Date().toISOString().slice(0, 10);

/** One task of each outcome; returns the video seconds the succeeded one produced. */
async function runTasks(server: TestServer): Promise<number> {
  const submit = async (prompt: string) => (await server.call('POST', '/video/generate', { prompt })).body.taskId;
  const ok = await submit('test: steps=2 stepMs=20');
  const failing = await submit('test: failAttempts=9 retryable=true');
  const cancelled = await submit('test: steps=2 stepMs=5000');
  await pollTask(server, cancelled, (t) => t.status === 'IN_PROGRESS');
  await server.call('DELETE', `/video/tasks/${cancelled}`);
  const done = (await pollTask(server, ok)).task;
  const failed = (await pollTask(server, failing)).task;
  expect([done.status, failed.status]).toEqual(['SUCCESS', 'FAIL']);
  return done.video.durationSeconds;
}

async function checkUsage(server: TestServer, env: Record<string, string>, videoSeconds: number) {
  const vidforge = (args: string[]) => runCli(['usage', ...args], { env: { ...process.env, ...env } });

  const json = await vidforge(['--json']);
  expect(json.stderr).toBe('');
  expect(json.code).toBe(0);
  const report = JSON.parse(json.stdout);
  const rows = report.rows.map((r: any) => [r.day, r.endpointPath, r.type, r.outcome, r.tasks]);
  expect(rows).toEqual([
    [today(), server.endpointPath, 'generate', 'cancelled', 1],
    [today(), server.endpointPath, 'generate', 'failed', 1],
    [today(), server.endpointPath, 'generate', 'succeeded', 1],
  ]);
  expect(report.total).toMatchObject({ succeeded: 1, failed: 1, cancelled: 1, videoSeconds });
  // Engine time covers every attempt: the failing task ran three (VIDFORGE_MAX_ATTEMPTS).
  expect(report.total.engineSeconds).toBeGreaterThan(0);
  const keyId = report.rows[0].keyId;

  const table = await vidforge([]);
  expect(table.code).toBe(0);
  expect(table.stdout).toMatch(
    /^DAY \(UTC\)\s+KEY\s+ENDPOINT\s+TYPE\s+SUCCEEDED\s+FAILED\s+CANCELLED\s+VIDEO \(s\)\s+ENGINE \(s\)\n/,
  );
  expect(table.stdout).toContain(server.endpointPath);
  expect(table.stdout).toMatch(
    new RegExp(`${today()}\\s+${keyId} \\(test\\)\\s+\\S+\\s+generate\\s+1\\s+1\\s+1\\s+${videoSeconds.toFixed(1)}`),
  );
  expect(table.stdout).toMatch(/\ntotal\s+1\s+1\s+1\s+/);

  expect(JSON.parse((await vidforge(['--key', keyId, '--json'])).stdout).rows).toHaveLength(3);
  expect(JSON.parse((await vidforge(['--key', 'someone-else', '--json'])).stdout).rows).toHaveLength(0);
  expect(JSON.parse((await vidforge(['--endpoint', server.endpointPath, '--json'])).stdout).rows).toHaveLength(3);
  expect(JSON.parse((await vidforge(['--since', '2999-01-01', '--json'])).stdout).rows).toHaveLength(0);
  const ranged = await vidforge(['--since', today(), '--until', today(), '--json']);
  expect(JSON.parse(ranged.stdout)).toMatchObject({ since: today(), until: today() });
  expect((await vidforge(['--until', '2000-01-01'])).stdout).toBe('No finished tasks recorded for this selection.\n');
}

describe('vidforge usage', () => {
  it('reports the embedded database', async () => {
    const server = await startTestServer({ env: { VIDFORGE_MAX_ATTEMPTS: '3' } });
    cleanups.push(() => server.stop());
    const videoSeconds = await runTasks(server);
    await checkUsage(server, { VIDFORGE_DATA_DIR: server.dataDir }, videoSeconds);
  });

  it('reports a PostgreSQL database', async () => {
    const { schema, drop } = await createTestSchema();
    const url = new URL(TEST_DATABASE_URL);
    url.searchParams.set('options', `-c search_path=${schema}`);
    const server = await startTestServer({
      env: { VIDFORGE_DATABASE_URL: url.toString(), VIDFORGE_DATABASE_POOL_SIZE: '3', VIDFORGE_MAX_ATTEMPTS: '3' },
    });
    cleanups.push(drop, () => server.stop());
    const videoSeconds = await runTasks(server);
    // The data directory only keeps the admin command from looking for (and creating) one.
    await checkUsage(
      server,
      { VIDFORGE_DATABASE_URL: url.toString(), VIDFORGE_DATA_DIR: server.dataDir },
      videoSeconds,
    );
  });

  it('refuses bad dates and a reversed range with a usage error, and has help', async () => {
    const run = (args: string[]) =>
      runCli(['usage', ...args], { env: { ...process.env, VIDFORGE_DATA_DIR: '/nonexistent/x' } });
    const bad = await run(['--since', '2026-02-30']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toBe(
      'vidforge: --since: "2026-02-30" is not a date; expected YYYY-MM-DD (UTC), e.g. 2026-12-01\n',
    );
    expect((await run(['--until', 'yesterday'])).stderr).toMatch(/--until: "yesterday" is not a date/);
    const reversed = await run(['--since', '2026-12-02', '--until', '2026-12-01']);
    expect(reversed.code).toBe(2);
    expect(reversed.stderr).toMatch(/--since 2026-12-02 is after --until 2026-12-01/);
    expect((await run(['--bogus'])).code).toBe(2);
    const help = await run(['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/^vidforge usage \[--key KEY_ID\] \[--endpoint ID_OR_PATH\] \[--since DATE\]/);
  });
});
