/**
 * TaskStore over SQLite. Time boundaries, one rule throughout: something that ends at T (deadline,
 * retention, idempotency expiry) still holds at T and has passed once now > T.
 */
import { type Selectable, sql } from 'kysely';
import type {
  CreateTaskResult,
  IdempotencyClaim,
  ListTasksOptions,
  NewTask,
  TaskRecord,
  TaskStore,
} from '../../ports/task-store.ts';
import { arg, prepare } from './prepared.ts';
import { rowFromNewTask, taskFromRow } from './rows.ts';
import type { TasksTable } from './schema.ts';
import type { SqlHandle } from './sql-handle.ts';

/** Every column, so the insert below has one fixed shape (checked against the table's type). */
const TASK_COLUMNS = Object.keys({
  id: 1,
  endpoint_id: 1,
  key_id: 1,
  type: 1,
  engine: 1,
  status: 1,
  progress: 1,
  request: 1,
  seed: 1,
  error_code: 1,
  error_message: 1,
  video: 1,
  output_key: 1,
  attempts: 1,
  max_attempts: 1,
  created_at: 1,
  updated_at: 1,
  deadline_at: 1,
  run_after: 1,
  finished_at: 1,
  retain_until: 1,
  result_deleted_at: 1,
} satisfies Record<keyof TasksTable, 1>) as (keyof TasksTable)[];

export function createSqlTaskStore(handle: SqlHandle): TaskStore {
  const { db } = handle;
  // The poll's and the submit's queries, compiled once (prepared.ts).
  const taskById = prepare<{ id: string }, Selectable<TasksTable>>(
    db.selectFrom('tasks').selectAll().where('id', '=', arg<string>('id')),
  );
  const insertTask = prepare<TasksTable, never>(
    db
      .insertInto('tasks')
      .values(Object.fromEntries(TASK_COLUMNS.map((column) => [column, arg(column)])) as unknown as TasksTable),
  );

  return {
    create(task: NewTask, idempotency?: IdempotencyClaim, maxPending?: number): Promise<CreateTaskResult> {
      // BEGIN IMMEDIATE serialises creates, so two requests with one key cannot both miss the
      // lookup; the primary key on idempotency would refuse the second insert regardless.
      return handle.transaction(async (trx): Promise<CreateTaskResult> => {
        if (idempotency) {
          const seen = await trx
            .selectFrom('idempotency')
            .select(['fingerprint', 'task_id', 'expires_at'])
            .where('key_id', '=', idempotency.keyId)
            .where('endpoint_id', '=', idempotency.endpointId)
            .where('idem_key', '=', idempotency.key)
            .executeTakeFirst();
          // The submit time is the "now" of the lookup; an expired record is replaced below.
          if (seen && seen.expires_at >= task.createdAt) {
            if (seen.fingerprint !== idempotency.fingerprint) return { kind: 'conflict' };
            const original = await taskById.first(trx, { id: seen.task_id });
            if (original) return { kind: 'replayed', task: taskFromRow(original) };
          }
        }
        // Walks at most maxPending entries of the claim index, whatever the backlog.
        const full =
          maxPending !== undefined &&
          (await trx
            .selectFrom('tasks')
            .select('id')
            .where('status', '=', 'PENDING')
            .where('engine', '=', task.engine)
            .limit(1)
            .offset(maxPending - 1)
            .executeTakeFirst());
        if (full) return { kind: 'queue-full' };
        const row = rowFromNewTask(task);
        await insertTask.changes(trx, row);
        if (idempotency) {
          const record = {
            fingerprint: idempotency.fingerprint,
            task_id: task.id,
            expires_at: idempotency.expiresAt,
          };
          await trx
            .insertInto('idempotency')
            .values({
              key_id: idempotency.keyId,
              endpoint_id: idempotency.endpointId,
              idem_key: idempotency.key,
              ...record,
            })
            .onConflict((conflict) => conflict.columns(['key_id', 'endpoint_id', 'idem_key']).doUpdateSet(record))
            .execute();
        }
        return { kind: 'created', task: taskFromRow(row) };
      });
    },

    async get(id: string): Promise<TaskRecord | null> {
      const row = await taskById.first(handle, { id });
      return row ? taskFromRow(row) : null;
    },

    async list(options: ListTasksOptions): Promise<TaskRecord[]> {
      let query = db.selectFrom('tasks').selectAll().where('endpoint_id', '=', options.endpointId);
      if (options.status) query = query.where('status', '=', options.status);
      const cursor = options.cursor;
      const order = options.order ?? 'desc';
      if (cursor) {
        const past = order === 'desc' ? '<' : '>';
        query = query.where((eb) => eb(eb.refTuple('created_at', 'id'), past, eb.tuple(cursor.createdAt, cursor.id)));
      }
      const rows = await query
        .orderBy('created_at', order)
        .orderBy('id', order)
        .limit(Math.max(0, Math.floor(options.limit)))
        .execute();
      return rows.map(taskFromRow);
    },

    finishUnleased(id, error, now): Promise<TaskRecord | null> {
      return db.transaction().execute(async (trx) => {
        const updated = await trx
          .updateTable('tasks')
          .set({
            status: 'FAIL',
            error_code: error.code,
            error_message: error.message,
            finished_at: now,
            updated_at: now,
          })
          .where('id', '=', id)
          .where('status', 'in', ['PENDING', 'IN_PROGRESS'])
          .returningAll()
          .executeTakeFirst();
        if (!updated) return null;
        // Ending the open attempt is what refuses the worker's next fenced write.
        await trx
          .updateTable('task_attempts')
          .set({
            ended_at: now,
            outcome: error.code === 'CANCELLED' ? 'cancelled' : 'failed',
            error_code: error.code,
            error_message: error.message,
          })
          .where('task_id', '=', id)
          .where('ended_at', 'is', null)
          .execute();
        return taskFromRow(updated);
      });
    },

    async overdue(now: number, limit: number): Promise<string[]> {
      const rows = await db
        .selectFrom('tasks')
        .select('id')
        .where(sql<boolean>`status IN ('PENDING', 'IN_PROGRESS')`)
        .where('deadline_at', '<', now)
        .orderBy('deadline_at')
        .limit(limit)
        .execute();
      return rows.map((row) => row.id);
    },

    async expiredResults(now: number, limit: number): Promise<TaskRecord[]> {
      const rows = await db
        .selectFrom('tasks')
        .selectAll()
        .where(sql<boolean>`status = 'SUCCESS' AND result_deleted_at IS NULL`)
        .where('retain_until', '<', now)
        .orderBy('retain_until')
        .limit(limit)
        .execute();
      return rows.map(taskFromRow);
    },

    async markResultDeleted(id: string, now: number): Promise<void> {
      await db
        .updateTable('tasks')
        .set({ result_deleted_at: now })
        .where('id', '=', id)
        .where('result_deleted_at', 'is', null)
        .execute();
    },

    async pruneIdempotency(now: number): Promise<number> {
      const result = await db.deleteFrom('idempotency').where('expires_at', '<', now).executeTakeFirst();
      return Number(result.numDeletedRows);
    },
  };
}
