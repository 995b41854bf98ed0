/**
 * The worker side of the ledger: claims, heartbeats and the fenced writes that end an attempt.
 * Every write after the claim is one transaction that first checks the fence (the task is
 * IN_PROGRESS and its open attempt carries the caller's token), locking the task row before the
 * attempt row on PostgreSQL (the same order as terminate, so the two cannot deadlock), and changes
 * nothing when the fence fails. What each write changes comes from modules/tasks/task-state.ts.
 */
import { randomBytes } from 'node:crypto';
import type { TaskError, TaskType, VideoInfo } from '@vidforge/contract';
import type { Kysely } from 'kysely';
import * as state from '../../modules/tasks/task-state.ts';
import type {
  AttemptState,
  ClaimOptions,
  CompletedResult,
  ExpiredLease,
  HeartbeatResult,
  Lease,
  OpenLease,
  TaskLedger,
} from '../../ports/task-ledger.ts';
import { applyTransition } from './apply-transition.ts';
import type { SqlSchema, TaskAttemptsTable } from './schema.ts';
import { type SqlHandle, serializeOn } from './sql-handle.ts';
import { enqueueTaskEvent } from './webhook-outbox.ts';

export type LeaseWrites = Pick<
  TaskLedger,
  | 'claim'
  | 'heartbeat'
  | 'stageOutput'
  | 'checkpoint'
  | 'attempt'
  | 'openLeases'
  | 'commit'
  | 'retry'
  | 'fail'
  | 'release'
  | 'nextRunAt'
  | 'expired'
>;

export function createSqlLeaseWrites(handle: SqlHandle): LeaseWrites {
  const { db } = handle;
  const postgres = handle.dialect === 'postgres';

  /** The open attempt's id and the task's progress when the caller still holds the lease, else null. */
  async function fence(trx: Kysely<SqlSchema>, lease: Lease): Promise<{ attemptId: number; progress: number } | null> {
    const task = await trx
      .selectFrom('tasks')
      .select('progress')
      .where('id', '=', lease.taskId)
      .where('status', '=', 'IN_PROGRESS')
      .$if(postgres, (qb) => qb.forUpdate())
      .executeTakeFirst();
    if (!task) return null;
    const attempt = await trx
      .selectFrom('task_attempts')
      .select(['id', 'lease_expires_at'])
      .where('task_id', '=', lease.taskId)
      .where('lease_token', '=', lease.token)
      .where('ended_at', 'is', null)
      .$if(postgres, (qb) => qb.forUpdate())
      .executeTakeFirst();
    if (!attempt) return null;
    // The reaper acts on what it saw: a heartbeat that renewed the lease since wins over it.
    if (isReaped(lease) && attempt.lease_expires_at !== lease.expiresAt) return null;
    return { attemptId: attempt.id, progress: task.progress };
  }

  /** A fenced transition: applied when the lease is current, and then true. */
  function settle(lease: Lease, transition: state.Transition): Promise<boolean> {
    return handle.transaction(async (trx) => {
      const held = await fence(trx, lease);
      if (!held) return false;
      await applyTransition(trx, lease.taskId, held.attemptId, transition);
      return true;
    });
  }

  return {
    async claim(options: ClaimOptions): Promise<Lease | null> {
      if (options.engines.length === 0 || options.types?.length === 0) return null;
      const { now, workerId } = options;
      const token = randomBytes(18).toString('base64url');
      const expiresAt = now + options.leaseMs;
      return handle.transaction(async (trx) => {
        if (options.maxOpen !== undefined) {
          // Concurrent claims of one worker queue here, so each counts the others' leases.
          await serializeOn(handle, trx, `claim:${workerId}`);
          const open = await trx
            .selectFrom('task_attempts')
            .select((eb) => eb.fn.countAll<number>().as('n'))
            .where('worker_id', '=', workerId)
            .where('ended_at', 'is', null)
            .executeTakeFirstOrThrow();
          if (Number(open.n) >= options.maxOpen) return null;
        }
        const change = state.claimed(now);
        // One statement picks and marks the task. On PostgreSQL the pick skips rows that other
        // claims hold locked (graphile-worker's way), so concurrent claimers never wait on each other.
        const picked = await trx
          .updateTable('tasks')
          .set((eb) => ({
            status: change.status,
            attempts: eb('attempts', '+', change.attemptsDelta ?? 0),
            updated_at: change.updatedAt,
          }))
          .where('id', '=', (eb) =>
            eb
              .selectFrom('tasks')
              .select('id')
              .where('status', '=', 'PENDING')
              .where('engine', 'in', options.engines)
              .$if(options.types !== undefined, (qb) => qb.where('type', 'in', options.types ?? []))
              .where('run_after', '<=', now)
              .orderBy('run_after')
              .orderBy('created_at')
              .orderBy('id')
              .limit(1)
              .$if(postgres, (qb) => qb.forUpdate().skipLocked()),
          )
          .where('status', '=', 'PENDING')
          .returning(['id', 'attempts'])
          .executeTakeFirst();
        if (!picked) return null;
        await trx
          .insertInto('task_attempts')
          .values({
            task_id: picked.id,
            attempt: picked.attempts,
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
        // A task starts once: a later attempt after a retry is not a new `task.started`.
        if (picked.attempts === 1) await enqueueTaskEvent(trx, picked.id, 'task.started', now);
        return { taskId: picked.id, token, attempt: picked.attempts, workerId, expiresAt };
      });
    },

    heartbeat(lease, progress, leaseMs, now, stage): Promise<HeartbeatResult> {
      const expiresAt = now + leaseMs;
      return handle.transaction(async (trx): Promise<HeartbeatResult> => {
        const held = await fence(trx, lease);
        if (!held) return { ok: false };
        await trx
          .updateTable('task_attempts')
          .set({ lease_expires_at: expiresAt, heartbeat_at: now, ...(stage === undefined ? {} : { stage }) })
          .where('id', '=', held.attemptId)
          .execute();
        const change = state.progressed(held.progress, progress, now);
        if (change) await applyTransition(trx, lease.taskId, null, { task: change });
        return { ok: true, expiresAt };
      });
    },

    checkpoint(lease: Lease, engineState: string | null): Promise<boolean> {
      return handle.transaction(async (trx) => {
        if (!(await fence(trx, lease))) return false;
        await trx.updateTable('tasks').set({ engine_state: engineState }).where('id', '=', lease.taskId).execute();
        return true;
      });
    },

    stageOutput(lease: Lease, video: VideoInfo): Promise<boolean> {
      return handle.transaction(async (trx) => {
        const held = await fence(trx, lease);
        if (!held) return false;
        await trx
          .updateTable('task_attempts')
          .set({ output: JSON.stringify(video) })
          .where('id', '=', held.attemptId)
          .execute();
        return true;
      });
    },

    async attempt(taskId: string, token: string): Promise<AttemptState | null> {
      const row = await db
        .selectFrom('task_attempts')
        .select([
          'task_id',
          'lease_token',
          'attempt',
          'worker_id',
          'lease_expires_at',
          'started_at',
          'outcome',
          'output',
        ])
        .where('task_id', '=', taskId)
        .where('lease_token', '=', token)
        .executeTakeFirst();
      if (!row) return null;
      return {
        lease: leaseOf(row),
        startedAt: row.started_at,
        outcome: row.outcome,
        output: row.output === null ? null : (JSON.parse(row.output) as VideoInfo),
      };
    },

    async openLeases(workerIds: readonly string[]): Promise<OpenLease[]> {
      if (workerIds.length === 0) return [];
      const rows = await db
        .selectFrom('task_attempts as a')
        .innerJoin('tasks as t', 't.id', 'a.task_id')
        .select([...ATTEMPT_LEASE_COLUMNS, 'a.stage', 't.progress'])
        .where('a.worker_id', 'in', workerIds)
        .where('a.ended_at', 'is', null)
        .orderBy('a.started_at')
        .orderBy('a.id')
        .execute();
      return rows.map((row) => ({ ...leaseOf(row), progress: row.progress, stage: row.stage }));
    },

    commit: (lease: Lease, result: CompletedResult, now: number) => settle(lease, state.committed(result, now)),

    retry: (lease: Lease, error: TaskError, runAfter: number, now: number) =>
      settle(lease, state.retried(error, runAfter, now, isReaped(lease) ? 'reaper' : 'worker')),

    fail: (lease: Lease, error: TaskError, now: number) =>
      settle(lease, state.failed(error, now, isReaped(lease) ? 'reaper' : 'worker')),

    release: (lease: Lease, now: number) => settle(lease, state.released(now)),

    async nextRunAt(engines: readonly string[]): Promise<number | null> {
      if (engines.length === 0) return null;
      const row = await db
        .selectFrom('tasks')
        .select((eb) => eb.fn.min('run_after').as('next'))
        .where('status', '=', 'PENDING')
        .where('engine', 'in', engines)
        .executeTakeFirst();
      return row?.next === null || row?.next === undefined ? null : Number(row.next);
    },

    async expired(now: number, limit: number): Promise<ExpiredLease[]> {
      const rows = await db
        .selectFrom('task_attempts as a')
        .innerJoin('tasks as t', 't.id', 'a.task_id')
        .select([...ATTEMPT_LEASE_COLUMNS, 't.max_attempts', 't.engine', 't.type'])
        .where('a.ended_at', 'is', null)
        .where('a.lease_expires_at', '<', now)
        .where('t.status', '=', 'IN_PROGRESS')
        .orderBy('a.lease_expires_at')
        .limit(limit)
        .execute();
      return rows.map((row) => ({
        ...leaseOf(row),
        maxAttempts: row.max_attempts,
        engine: row.engine,
        type: row.type as TaskType,
      }));
    },
  };
}

/** What a Lease is made of, as selected from `task_attempts as a`. */
const ATTEMPT_LEASE_COLUMNS = ['a.task_id', 'a.lease_token', 'a.attempt', 'a.worker_id', 'a.lease_expires_at'] as const;

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
 * Its writes also require that the lease was not renewed since, and record the outcome 'expired'.
 */
function isReaped(lease: Lease): lease is ExpiredLease {
  return typeof (lease as Partial<ExpiredLease>).maxAttempts === 'number';
}
