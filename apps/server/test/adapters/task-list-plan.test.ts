/**
 * A page of tasks is a range of a list index read in either direction, never a sort of an
 * endpoint's tasks: on both engines, for each shape the list takes (with and without a status,
 * with and without a cursor, newest or oldest first). The indexes are ascending since migration
 * 10 (SQLite) / 7 (PostgreSQL), so the newest-first pages are backward scans.
 */
import { join } from 'node:path';
import { CompiledQuery, type Kysely, sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migratePostgres, type PostgresHandle } from '../../src/adapters/postgres/index.ts';
import type { SqlSchema } from '../../src/adapters/sql/schema.ts';
import { listQuery } from '../../src/adapters/sql/task-records.ts';
import { openSqlite } from '../../src/adapters/sqlite/index.ts';
import type { ListTasksOptions } from '../../src/ports/task-ledger.ts';
import { type PostgresTestBed, postgresTestBed } from '../support/postgres.ts';
import { tempDir } from '../support/temp-dir.ts';

const SHAPES: [string, ListTasksOptions, string][] = [
  ['newest first', { endpointId: 'ep', limit: 20 }, 'tasks_list'],
  ['newest first, by status', { endpointId: 'ep', status: 'FAIL', limit: 20 }, 'tasks_list_status'],
  ['after a cursor', { endpointId: 'ep', limit: 20, cursor: { createdAt: 5, id: 'x' } }, 'tasks_list'],
  [
    'oldest first, by status, after a cursor',
    { endpointId: 'ep', status: 'SUCCESS', limit: 20, order: 'asc', cursor: { createdAt: 5, id: 'x' } },
    'tasks_list_status',
  ],
];

function compiled(db: Kysely<SqlSchema>, options: ListTasksOptions) {
  return listQuery(db, options).compile();
}

describe('the list query on SQLite', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>;
  let handle: ReturnType<typeof openSqlite>;
  beforeAll(async () => {
    dir = await tempDir('vidforge-list-plan-');
    handle = openSqlite({ file: join(dir.path, 'vidforge.db') });
  });
  afterAll(async () => {
    await handle.close();
    await dir.remove();
  });

  it.each(SHAPES)('%s: a range of %s, no sort', async (_name, options, index) => {
    const query = compiled(handle.db, options);
    const { rows } = await handle.db.executeQuery<{ detail: string }>(
      CompiledQuery.raw(`EXPLAIN QUERY PLAN ${query.sql}`, [...query.parameters]),
    );
    const plan = rows.map((row) => row.detail).join('\n');
    expect(plan).toContain(`USING INDEX ${index} (endpoint_id=?`);
    expect(plan).not.toContain('TEMP B-TREE');
  });
});

describe('the list query on PostgreSQL', () => {
  let bed: PostgresTestBed;
  let handle: PostgresHandle;
  beforeAll(async () => {
    bed = await postgresTestBed();
    handle = await bed.open();
    await migratePostgres(handle);
  });
  afterAll(async () => {
    await bed.cleanup();
  });

  it.each(SHAPES)('%s: a range of %s, no sort', async (_name, options, index) => {
    const query = compiled(handle.db, options);
    const plan = await handle.db.transaction().execute(async (trx) => {
      // An empty table is read whole by choice: take that choice away, and a sort must show.
      await sql`SET LOCAL enable_seqscan = off`.execute(trx);
      const { rows } = await trx.executeQuery<{ 'QUERY PLAN': string }>(
        CompiledQuery.raw(`EXPLAIN ${query.sql}`, [...query.parameters]),
      );
      return rows.map((row) => row['QUERY PLAN']).join('\n');
    });
    expect(plan).toMatch(new RegExp(`Index Scan (Backward )?using ${index} `));
    expect(plan).not.toMatch(/\bSort\b/);
  });
});
