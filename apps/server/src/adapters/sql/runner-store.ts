/** RunnerStore in SQL. */
import type { TaskType } from '@vidforge/contract';
import type { Selectable } from 'kysely';
import type { RunnerRecord, RunnerStore } from '../../ports/runner-store.ts';
import type { RunnersTable } from './schema.ts';
import type { SqlHandle } from './sql-handle.ts';

const fromRow = (row: Selectable<RunnersTable>): RunnerRecord => ({
  id: row.id,
  name: row.name,
  prefix: row.prefix,
  engines: JSON.parse(row.engines) as string[],
  operations: JSON.parse(row.operations) as TaskType[],
  concurrency: row.concurrency,
  createdAt: row.created_at,
  revokedAt: row.revoked_at,
  lastSeenAt: row.last_seen_at,
});

export function createSqlRunnerStore(handle: SqlHandle): RunnerStore {
  const { db } = handle;

  return {
    async create(runner): Promise<void> {
      await db
        .insertInto('runners')
        .values({
          id: runner.id,
          name: runner.name,
          prefix: runner.prefix,
          hash: runner.hash,
          engines: JSON.stringify(runner.engines),
          operations: JSON.stringify(runner.operations),
          concurrency: runner.concurrency,
          created_at: runner.createdAt,
          revoked_at: null,
          last_seen_at: null,
        })
        .execute();
    },

    async list(): Promise<RunnerRecord[]> {
      const rows = await db.selectFrom('runners').selectAll().orderBy('created_at').orderBy('id').execute();
      return rows.map(fromRow);
    },

    async get(id: string): Promise<RunnerRecord | null> {
      const row = await db.selectFrom('runners').selectAll().where('id', '=', id).executeTakeFirst();
      return row ? fromRow(row) : null;
    },

    async byHash(hash: string): Promise<RunnerRecord | null> {
      const row = await db
        .selectFrom('runners')
        .selectAll()
        .where('hash', '=', hash)
        .where('revoked_at', 'is', null)
        .executeTakeFirst();
      return row ? fromRow(row) : null;
    },

    async revoke(id: string, now: number): Promise<boolean> {
      const result = await db
        .updateTable('runners')
        .set((eb) => ({ revoked_at: eb.fn.coalesce('revoked_at', eb.val(now)) }))
        .where('id', '=', id)
        .executeTakeFirst();
      return result.numUpdatedRows > 0n;
    },

    async touch(id: string, now: number, minIntervalMs: number): Promise<void> {
      await db
        .updateTable('runners')
        .set({ last_seen_at: now })
        .where('id', '=', id)
        .where((eb) => eb.or([eb('last_seen_at', 'is', null), eb('last_seen_at', '<=', now - minIntervalMs)]))
        .execute();
    },
  };
}
