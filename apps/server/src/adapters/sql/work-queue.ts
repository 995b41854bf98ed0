/**
 * The embedded queue: the tasks table is the queue and task_attempts holds the leases. Every write
 * after the claim is one BEGIN IMMEDIATE transaction that first checks the fence (the task is
 * IN_PROGRESS and its open attempt carries the caller's token) and changes nothing when it fails.
 */
import { randomBytes } from 'node:crypto';
import type { TaskError, VideoInfo } from '@vidforge/contract';
import type { Transaction } from 'kysely';
import type {
  AttemptState,
  ClaimOptions,
  CompletedResult,
  ExpiredLease,
  HeartbeatResult,
  Lease,
  OpenLease,
  WorkQueue,
} from '../../ports/work-queue.ts';
import { Waker } from '../sqlite/waker.ts';
import type { AttemptOutcome, SqlSchema, TaskAttemptsTable } from './schema.ts';
import type { SqlHandle } from './sql-handle.ts';

/** Progress reaches 1 only through complete(). */
const MAX_RUNNING_PROGRESS = 0.99;

/** Queues over one handle share wake-ups, so a submit through one wakes workers of another. */
const wakers = new WeakMap<SqlHandle, Waker>();

export function createSqlWorkQueue(handle: SqlHandle): WorkQueue {
  const { db } = handle;
  let waker = wakers.get(handle);
  if (!waker) {
    waker = new Waker();
    wakers.set(handle, waker);
  }
  const wake = waker;

  return {
    async claim(options: ClaimOptions): Promise<Lease | null> {
      if (options.engines.length === 0 || options.types?.length === 0) return null;
      const { now, workerId } = options;
      const token = randomBytes(18).toString('base64url');
      const expiresAt = now + options.leaseMs;
      return db.transaction().execute(async (trx) => {
        const claimed = await trx
          .updateTable('tasks')
          .set((eb) => ({ status: 'IN_PROGRESS', attempts: eb('attempts', '+', 1), updated_at: now }))
          .where('id', '=', (eb) =>
            eb
              .selectFrom('tasks')
              .select('id')
              .where('status', '=', 'PENDING')
              .where('engine', 'in', options.engines)
              .$if(options.types !== undefined, (qb) => qb.where('type', 'in', options.types!))
              .where('run_after', '<=', now)
              .orderBy('run_after')
              .orderBy('created_at')
              .orderBy('id')
              .limit(1),
          )
          .where('status', '=', 'PENDING')
          .returning(['id', 'attempts'])
          .executeTakeFirst();
        if (!claimed) return null;
        await trx
          .insertInto('task_attempts')
          .values({
            task_id: claimed.id,
            attempt: claimed.attempts,
            lease_token: token,
            worker_id: workerId,
            started_at: now,
            lease_expires_at: expiresAt,
            heartbeat_at: null,
            ended_at: null,
            outcome: null,
            error_code: null,
            error_message: null,
            stage: null,
            output: null,
          })
          .execute();
        return { taskId: claimed.id, token, attempt: claimed.attempts, workerId, expiresAt };
      });
    },

    heartbeat(lease: Lease, progress: number, leaseMs: number, now: number, stage?: string): Promise<HeartbeatResult> {
      const reported = Number.isFinite(progress) ? Math.min(Math.max(progress, 0), MAX_RUNNING_PROGRESS) : 0;
      const expiresAt = now + leaseMs;
      return db.transaction().execute(async (trx): Promise<HeartbeatResult> => {
        const attemptId = await fence(trx, lease);
        if (attemptId === null) return { ok: false };
        await trx
          .updateTable('task_attempts')
          .set({ lease_expires_at: expiresAt, heartbeat_at: now, ...(stage === undefined ? {} : { stage }) })
          .where('id', '=', attemptId)
          .execute();
        await trx
          .updateTable('tasks')
          .set((eb) => ({
            progress: eb.fn('max', ['progress', eb.val(reported)]),
            updated_at: eb.case().when('progress', '<', reported).then(now).else(eb.ref('updated_at')).end(),
          }))
          .where('id', '=', lease.taskId)
          .execute();
        return { ok: true, expiresAt };
      });
    },

    stageOutput(lease: Lease, video: VideoInfo): Promise<boolean> {
      return db.transaction().execute(async (trx) => {
        const attemptId = await fence(trx, lease);
        if (attemptId === null) return false;
        await trx
          .updateTable('task_attempts')
          .set({ output: JSON.stringify(video) })
          .where('id', '=', attemptId)
          .execute();
        return true;
      });
    },

    async attempt(taskId: string, token: string): Promise<AttemptState | null> {
      const row = await db
        .selectFrom('task_attempts')
        .select(['task_id', 'lease_token', 'attempt', 'worker_id', 'lease_expires_at', 'outcome', 'output'])
        .where('task_id', '=', taskId)
        .where('lease_token', '=', token)
        .executeTakeFirst();
      if (!row) return null;
      return {
        lease: leaseOf(row),
        outcome: row.outcome,
        output: row.output === null ? null : (JSON.parse(row.output) as VideoInfo),
      };
    },

    async openLeases(workerIds: readonly string[]): Promise<OpenLease[]> {
      if (workerIds.length === 0) return [];
      const rows = await db
        .selectFrom('task_attempts as a')
        .innerJoin('tasks as t', 't.id', 'a.task_id')
        .select([
          'a.task_id',
          'a.lease_token',
          'a.attempt',
          'a.worker_id',
          'a.lease_expires_at',
          'a.stage',
          't.progress',
        ])
        .where('a.worker_id', 'in', workerIds)
        .where('a.ended_at', 'is', null)
        .orderBy('a.started_at')
        .execute();
      return rows.map((row) => ({ ...leaseOf(row), progress: row.progress, stage: row.stage }));
    },

    complete(lease: Lease, result: CompletedResult, now: number): Promise<boolean> {
      return db.transaction().execute(async (trx) => {
        const attemptId = await fence(trx, lease);
        if (attemptId === null) return false;
        await trx
          .updateTable('tasks')
          .set({
            status: 'SUCCESS',
            progress: 1,
            video: JSON.stringify(result.video),
            output_key: result.outputKey,
            retain_until: result.retainUntil,
            finished_at: now,
            updated_at: now,
            error_code: null,
            error_message: null,
          })
          .where('id', '=', lease.taskId)
          .execute();
        await endAttempt(trx, attemptId, now, 'succeeded', null);
        return true;
      });
    },

    retry(lease: Lease, error: TaskError, runAfter: number, now: number): Promise<boolean> {
      return db.transaction().execute(async (trx) => {
        const attemptId = await fence(trx, lease);
        if (attemptId === null) return false;
        // task.error stays null: a PENDING task has no error on the wire; the attempt keeps it.
        await trx
          .updateTable('tasks')
          .set({ status: 'PENDING', run_after: runAfter, updated_at: now })
          .where('id', '=', lease.taskId)
          .execute();
        await endAttempt(trx, attemptId, now, isReaped(lease) ? 'expired' : 'retry', error);
        return true;
      });
    },

    fail(lease: Lease, error: TaskError, now: number): Promise<boolean> {
      return db.transaction().execute(async (trx) => {
        const attemptId = await fence(trx, lease);
        if (attemptId === null) return false;
        await trx
          .updateTable('tasks')
          .set({
            status: 'FAIL',
            error_code: error.code,
            error_message: error.message,
            finished_at: now,
            updated_at: now,
          })
          .where('id', '=', lease.taskId)
          .execute();
        await endAttempt(trx, attemptId, now, isReaped(lease) ? 'expired' : 'failed', error);
        return true;
      });
    },

    release(lease: Lease, now: number): Promise<boolean> {
      return db.transaction().execute(async (trx) => {
        const attemptId = await fence(trx, lease);
        if (attemptId === null) return false;
        await trx
          .updateTable('tasks')
          .set((eb) => ({ status: 'PENDING', attempts: eb('attempts', '-', 1), updated_at: now }))
          .where('id', '=', lease.taskId)
          .execute();
        await endAttempt(trx, attemptId, now, 'released', null);
        return true;
      });
    },

    async expired(now: number, limit: number): Promise<ExpiredLease[]> {
      const rows = await db
        .selectFrom('task_attempts as a')
        .innerJoin('tasks as t', 't.id', 'a.task_id')
        .select(['a.task_id', 'a.lease_token', 'a.attempt', 'a.worker_id', 'a.lease_expires_at', 't.max_attempts'])
        .where('a.ended_at', 'is', null)
        .where('a.lease_expires_at', '<', now)
        .where('t.status', '=', 'IN_PROGRESS')
        .orderBy('a.lease_expires_at')
        .limit(limit)
        .execute();
      return rows.map((row) => ({ ...leaseOf(row), maxAttempts: row.max_attempts }));
    },

    async nextRunAt(engines: readonly string[]): Promise<number | null> {
      if (engines.length === 0) return null;
      const row = await db
        .selectFrom('tasks')
        .select((eb) => eb.fn.min('run_after').as('next'))
        .where('status', '=', 'PENDING')
        .where('engine', 'in', engines)
        .executeTakeFirst();
      return row?.next ?? null;
    },

    notify(): void {
      wake.notify();
    },

    waitForWork(ms: number, signal?: AbortSignal): Promise<void> {
      return wake.wait(ms, signal);
    },
  };
}

type LeaseColumns = Pick<TaskAttemptsTable, 'task_id' | 'lease_token' | 'attempt' | 'worker_id' | 'lease_expires_at'>;

const leaseOf = (row: LeaseColumns): Lease => ({
  taskId: row.task_id,
  token: row.lease_token,
  attempt: row.attempt,
  workerId: row.worker_id,
  expiresAt: row.lease_expires_at,
});

/**
 * A lease as expired() returned it (it carries maxAttempts): the reaper acting on what it saw.
 * Such a write also requires that the lease was not renewed since, so a heartbeat that lands
 * between expired() and retry()/fail() wins over the reaper.
 */
function isReaped(lease: Lease): lease is ExpiredLease {
  return typeof (lease as Partial<ExpiredLease>).maxAttempts === 'number';
}

/** The open attempt's id when the caller still holds the lease, otherwise null. */
async function fence(trx: Transaction<SqlSchema>, lease: Lease): Promise<number | null> {
  const row = await trx
    .selectFrom('task_attempts as a')
    .innerJoin('tasks as t', 't.id', 'a.task_id')
    .select(['a.id', 'a.lease_expires_at'])
    .where('a.task_id', '=', lease.taskId)
    .where('a.lease_token', '=', lease.token)
    .where('a.ended_at', 'is', null)
    .where('t.status', '=', 'IN_PROGRESS')
    .executeTakeFirst();
  if (!row) return null;
  if (isReaped(lease) && row.lease_expires_at !== lease.expiresAt) return null;
  return row.id;
}

async function endAttempt(
  trx: Transaction<SqlSchema>,
  attemptId: number,
  now: number,
  outcome: AttemptOutcome,
  error: TaskError | null,
): Promise<void> {
  await trx
    .updateTable('task_attempts')
    .set({ ended_at: now, outcome, error_code: error?.code ?? null, error_message: error?.message ?? null })
    .where('id', '=', attemptId)
    .execute();
}
