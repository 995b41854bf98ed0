/**
 * The client side of the ledger: submits, reads, termination from outside a lease, and what the
 * reaper and the sweeper look up. Time boundaries as in ports/task-ledger.ts.
 */
import { type Kysely, type Selectable, sql } from 'kysely';
import { terminated, UNFINISHED } from '../../modules/tasks/task-state.ts';
import type {
  CreateTaskResult,
  IdempotencyClaim,
  ListTasksOptions,
  NewTask,
  TaskLedger,
  TaskRecord,
} from '../../ports/task-ledger.ts';
import { applyTransition } from './apply-transition.ts';
import { createCommitMemo } from './commit-memo.ts';
import { arg, prepare } from './prepared.ts';
import { rowFromNewTask, taskFromRow } from './rows.ts';
import type { SqlSchema, TasksTable } from './schema.ts';
import { type SqlHandle, serializeOn } from './sql-handle.ts';
import type { LeaseWrites } from './task-leases.ts';

/** A page of an endpoint's tasks: a range of the list index (either way), never a sort. */
export function listQuery(db: Kysely<SqlSchema>, options: ListTasksOptions) {
  let query = db.selectFrom('tasks').selectAll().where('endpoint_id', '=', options.endpointId);
  if (options.status) query = query.where('status', '=', options.status);
  const cursor = options.cursor;
  const order = options.order ?? 'desc';
  if (cursor) {
    const past = order === 'desc' ? '<' : '>';
    query = query.where((eb) => eb(eb.refTuple('created_at', 'id'), past, eb.tuple(cursor.createdAt, cursor.id)));
  }
  return query
    .orderBy('created_at', order)
    .orderBy('id', order)
    .limit(Math.max(0, Math.floor(options.limit)));
}

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
  engine_state: 1,
  callback_url: 1,
  revision: 1,
  row_version: 1,
} satisfies Record<keyof TasksTable, 1>) as (keyof TasksTable)[];

/**
 * True when `keyId` has at least `max` unfinished tasks. Walks at most `max` entries of the
 * partial index tasks_key_unfinished; the status predicate is a literal so the planner can use it.
 */
async function unfinishedReach(trx: Kysely<SqlSchema>, keyId: string, max: number): Promise<boolean> {
  const row = await trx
    .selectFrom('tasks')
    .select('id')
    .where('key_id', '=', keyId)
    .where(sql<boolean>`status IN ('PENDING', 'IN_PROGRESS')`)
    .limit(1)
    .offset(max - 1)
    .executeTakeFirst();
  return row !== undefined;
}

/** Ids per `revisions` query. */
const REVISIONS_SLICE = 500;

/** The ledger but for the worker side (task-leases.ts) and the queue statistics (queue-stats.ts). */
type TaskRecords = Omit<TaskLedger, keyof LeaseWrites | 'queueStats' | 'tasksAhead'>;

export function createSqlTaskRecords(handle: SqlHandle): TaskRecords {
  const { db } = handle;
  // The poll's and the submit's queries, compiled once (prepared.ts).
  const taskById = prepare<{ id: string }, Selectable<TasksTable>>(
    db.selectFrom('tasks').selectAll().where('id', '=', arg<string>('id')),
  );
  const rowVersionById = prepare<{ id: string }, { row_version: number }>(
    db.selectFrom('tasks').select('row_version').where('id', '=', arg<string>('id')),
  );
  // Read by every poll that has not read it with the access version: unchanged until a commit.
  const untilCommit = createCommitMemo(handle);
  const insertTask = prepare<TasksTable, never>(
    db
      .insertInto('tasks')
      .values(Object.fromEntries(TASK_COLUMNS.map((column) => [column, arg(column)])) as unknown as TasksTable),
  );

  return {
    create(
      task: NewTask,
      idempotency?: IdempotencyClaim,
      maxPending?: number,
      maxUnfinishedPerKey?: number,
    ): Promise<CreateTaskResult> {
      return handle.transaction(async (trx): Promise<CreateTaskResult> => {
        // Two requests with one key must not both miss the lookup, and concurrent submits must
        // not overshoot maxPending: creates of one engine take turns (SQLite: BEGIN IMMEDIATE
        // already serialises all writes). An endpoint has one engine, so this covers both.
        if (idempotency || maxPending !== undefined) await serializeOn(handle, trx, `create:${task.engine}`);
        // Likewise creates of one access key, so concurrent submits cannot overshoot its
        // concurrency. Always taken after the engine's lock, so two creates never wait on each
        // other in opposite orders. (A finishing task only lowers the count: it needs no turn.)
        if (maxUnfinishedPerKey !== undefined) await serializeOn(handle, trx, `create-key:${task.keyId}`);
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
        if (maxUnfinishedPerKey !== undefined && (await unfinishedReach(trx, task.keyId, maxUnfinishedPerKey))) {
          return { kind: 'concurrency-limited' };
        }
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

    rowVersion(id: string): Promise<number | null> {
      return untilCommit(id, async () => {
        const row = await rowVersionById.first(handle, { id });
        return row ? Number(row.row_version) : null;
      });
    },

    async revisions(ids: readonly string[]): Promise<Map<string, number>> {
      const found = new Map<string, number>();
      // In slices: one statement's parameters stay well under either engine's limit.
      for (let start = 0; start < ids.length; start += REVISIONS_SLICE) {
        const rows = await db
          .selectFrom('tasks')
          .select(['id', 'revision'])
          .where('id', 'in', ids.slice(start, start + REVISIONS_SLICE))
          .execute();
        for (const row of rows) found.set(row.id, Number(row.revision));
      }
      return found;
    },

    async list(options: ListTasksOptions): Promise<TaskRecord[]> {
      const rows = await listQuery(db, options).execute();
      return rows.map(taskFromRow);
    },

    terminate(id, error, now): Promise<TaskRecord | null> {
      return handle.transaction(async (trx) => {
        const task = await trx
          .selectFrom('tasks')
          .select('id')
          .where('id', '=', id)
          .where('status', 'in', UNFINISHED)
          .$if(handle.dialect === 'postgres', (qb) => qb.forUpdate())
          .executeTakeFirst();
        if (!task) return null;
        const open = await trx
          .selectFrom('task_attempts')
          .select('id')
          .where('task_id', '=', id)
          .where('ended_at', 'is', null)
          .executeTakeFirst();
        // Ending the open attempt is what refuses the worker's next fenced write, on any process.
        await applyTransition(trx, id, open?.id ?? null, terminated(error, now));
        const row = await taskById.first(trx, { id });
        return row ? taskFromRow(row) : null;
      });
    },

    async overdue(now: number, limit: number): Promise<string[]> {
      const rows = await db
        .selectFrom('tasks')
        .select('id')
        .where('status', 'in', UNFINISHED)
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
        .where('status', '=', 'SUCCESS')
        .where('result_deleted_at', 'is', null)
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

    async resultHolders(taskIds: readonly string[]) {
      const holders = new Map<string, { finished: boolean; outputKey: string | null }>();
      if (taskIds.length === 0) return holders;
      const rows = await db
        .selectFrom('tasks')
        .select(['id', 'status', 'output_key', 'result_deleted_at'])
        .where('id', 'in', taskIds)
        .execute();
      for (const row of rows) {
        const keeping = row.status === 'SUCCESS' && row.result_deleted_at === null;
        holders.set(row.id, {
          finished: !UNFINISHED.includes(row.status as TaskRecord['status']),
          outputKey: keeping ? row.output_key : null,
        });
      }
      return holders;
    },

    async pruneIdempotency(now: number): Promise<number> {
      const result = await db.deleteFrom('idempotency').where('expires_at', '<', now).executeTakeFirst();
      return Number(result.numDeletedRows);
    },
  };
}
