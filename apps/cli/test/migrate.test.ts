/**
 * `vidforge migrate` through the real binary, against an SQLite data directory and the real
 * PostgreSQL server: what it applied (text and --json), nothing the second time, and the exit
 * codes and messages for an unreachable server, a malformed URL and a database ahead of this build.
 */
import { once } from 'node:events';
import { createServer } from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { adminQuery, createTestSchema, TEST_DATABASE_URL } from '../../server/test/support/postgres.ts';
import { tempDir } from '../../server/test/support/temp-dir.ts';
import { baseEnv, runCli } from './support/run-cli.ts';

const cleanups: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const cleanup of cleanups) await cleanup();
});

async function environment(extra: Record<string, string>) {
  const dir = await tempDir('vidforge-migrate-');
  cleanups.push(dir.remove);
  return { ...baseEnv(dir.path), VIDFORGE_DATA_DIR: `${dir.path}/data`, ...extra };
}

/** The test database's URL with every connection in `schema`, as an operator would write it. */
function urlInSchema(schema: string): string {
  const url = new URL(TEST_DATABASE_URL);
  url.searchParams.set('options', `-c search_path=${schema}`);
  return url.toString();
}

describe('vidforge migrate', () => {
  it('applies the SQLite migrations to the data directory, then nothing', async () => {
    const env = await environment({});
    const first = await runCli(['migrate', '--json'], { env });
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    const report = JSON.parse(first.stdout);
    expect(report).toMatchObject({ database: 'sqlite', version: 7 });
    expect(report.target).toBe(`${env.VIDFORGE_DATA_DIR}/vidforge.db`);
    expect(report.applied.map((m: { version: number }) => m.version)).toEqual([1, 2, 3, 4, 5, 6, 7]);

    const second = await runCli(['migrate'], { env });
    expect(second.code).toBe(0);
    expect(second.stdout).toBe(`${env.VIDFORGE_DATA_DIR}/vidforge.db: schema version 7, nothing to apply\n`);
  });

  it('applies the PostgreSQL migrations to the configured database, then nothing', async () => {
    const { schema, drop } = await createTestSchema();
    cleanups.push(drop);
    const env = await environment({ VIDFORGE_DATABASE_URL: urlInSchema(schema) });
    const first = await runCli(['migrate'], { env });
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(
      /^applied 001_initial\napplied 002_key-limits\napplied 003_reserved-003\napplied 004_usage\npostgres:\/\/.*: schema version 4\n$/,
    );
    const tables = await adminQuery<{ n: number }>(
      "select count(*)::int as n from information_schema.tables where table_schema = $1 and table_name = 'tasks'",
      [schema],
    );
    expect(tables[0]!.n).toBe(1);

    const second = await runCli(['migrate', '--json'], { env });
    expect(second.code).toBe(0);
    expect(JSON.parse(second.stdout)).toMatchObject({ database: 'postgres', applied: [], version: 4 });
  });

  it('refuses a PostgreSQL database ahead of this build (exit 13)', async () => {
    const { schema, drop } = await createTestSchema();
    cleanups.push(drop);
    const env = await environment({ VIDFORGE_DATABASE_URL: urlInSchema(schema) });
    expect((await runCli(['migrate'], { env })).code).toBe(0);
    await adminQuery(`insert into ${schema}.schema_migrations values (99, 'from_the_future', 0)`);
    const refused = await runCli(['migrate'], { env });
    expect(refused.code).toBe(13);
    expect(refused.stderr).toMatch(/^vidforge: cannot migrate postgres:\/\/.*unknown migration 099_from_the_future/);
  });

  it('says a PostgreSQL server is unreachable (exit 13), without the password', async () => {
    const server = createServer().listen(0, '127.0.0.1');
    await once(server, 'listening');
    const { port } = server.address() as { port: number };
    server.close();
    await once(server, 'close');
    const env = await environment({ VIDFORGE_DATABASE_URL: `postgres://vf:hunter22@127.0.0.1:${port}/vidforge` });
    const result = await runCli(['migrate'], { env });
    expect(result.code).toBe(13);
    expect(result.stderr).toBe(
      `vidforge: cannot migrate: cannot connect to the database postgres://vf:***@127.0.0.1:${port}/vidforge: ` +
        'the database server refused the connection (is it running?)\n',
    );
  });

  it('reports a malformed database URL as a configuration error (exit 3)', async () => {
    const env = await environment({ VIDFORGE_DATABASE_URL: 'mysql://vf:hunter22@db/vidforge' });
    const result = await runCli(['migrate'], { env });
    expect(result.code).toBe(3);
    expect(result.stderr).toContain(
      'databaseUrl (VIDFORGE_DATABASE_URL): must start with postgres:// or postgresql://',
    );
    expect(result.stderr).not.toContain('hunter22');
  });
});
