/**
 * Submitting, reading, listing and cancelling tasks. A bad request never creates a task: the body is
 * validated by the contract schema before anything is written, and the write (task + idempotency
 * record) is one transaction.
 */

import { createHash, randomInt } from 'node:crypto';
import {
  LIST_LIMIT_DEFAULT,
  type ListTasksQuery,
  parseWith,
  REQUEST_SCHEMAS,
  SEED_MAX,
  summarize,
  type Task,
  type TaskList,
  type TaskType,
} from '@vidforge/contract';
import { taskEngineOf } from '../../engines/runner-family.ts';
import { ApiError } from '../../http/api-error.ts';
import type { Clock } from '../../ports/clock.ts';
import type { TaskLedger, TaskRecord } from '../../ports/task-ledger.ts';
import type { WorkSignal } from '../../ports/work-signal.ts';
import type { Caller } from '../auth/auth.service.ts';
import { generateTaskId } from '../auth/secrets.ts';
import { type TaskEvents, UNOBSERVED_TASKS } from '../metrics/task-events.ts';
import { decodeCursor, encodeCursor } from './cursor.ts';
import { createTaskCache } from './task-cache.ts';
import type { TaskView } from './task-view.ts';

export interface TasksServiceDeps {
  ledger: TaskLedger;
  signal: WorkSignal;
  clock: Clock;
  view: TaskView;
  taskTimeoutMs: number;
  maxAttempts: number;
  idempotencyTtlMs: number;
  /** Admission control: PENDING tasks of one engine beyond which submits are refused; 0: no cap. */
  maxPendingPerEngine: number;
  /** Unfinished tasks a key without its own concurrency may have at once; 0 or absent: unlimited. */
  defaultKeyConcurrency?: number;
  /** Tells local workers to stop a task that was just finished from outside (cancel). */
  onFinished(taskId: string): void;
  /** Metrics; absent: not observed. */
  events?: TaskEvents;
}

/** Seconds a refused client is asked to wait: long enough for some of the backlog to clear. */
const QUEUE_FULL_RETRY_AFTER_S = 10;
/** Seconds a key at its concurrency is asked to wait: a short task's length on the preview engine. */
const CONCURRENCY_RETRY_AFTER_S = 5;

const IDEMPOTENCY_KEY = /^[\x21-\x7e]{1,255}$/;

/** JSON with sorted keys, so the same body in another key order has the same fingerprint. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

export function createTasksService(deps: TasksServiceDeps) {
  const { ledger, clock, view } = deps;
  const events = deps.events ?? UNOBSERVED_TASKS;
  // Polls read through it: one integer per read while the task is unchanged (task-cache.ts).
  const tasks = createTaskCache(ledger);

  async function findOwn(caller: Caller, taskId: string) {
    const task = await tasks.get(taskId, caller.task?.id === taskId ? caller.task.rowVersion : undefined);
    if (!task || task.endpointId !== caller.endpoint.id) throw new ApiError('TASK_NOT_FOUND', 'No such task');
    return task;
  }

  return {
    async submit(caller: Caller, type: TaskType, body: unknown, idempotencyKey?: string): Promise<string> {
      const parsed = parseWith(REQUEST_SCHEMAS[type], body);
      if (!parsed.ok) throw new ApiError('INVALID_PARAMETER', summarize(parsed.details), { details: parsed.details });
      if (idempotencyKey !== undefined && !IDEMPOTENCY_KEY.test(idempotencyKey)) {
        throw new ApiError('INVALID_PARAMETER', 'Idempotency-Key must be 1..255 visible ASCII characters', {
          details: [{ path: 'Idempotency-Key', message: 'must be 1..255 visible ASCII characters' }],
        });
      }
      // The callback is the task's own (a column), not part of the request engines and runners see.
      const { callbackUrl, ...request } = parsed.value;
      const now = clock.now();
      // The fingerprint is of the body as sent (before the seed is resolved below). Only a submit
      // with an Idempotency-Key compares bodies, so the others skip the canonical JSON and its hash.
      const idempotency =
        idempotencyKey === undefined
          ? undefined
          : {
              keyId: caller.key.id,
              endpointId: caller.endpoint.id,
              key: idempotencyKey,
              fingerprint: createHash('sha256')
                .update(`${type}\n${canonicalJson(parsed.value)}`)
                .digest('hex'),
              expiresAt: now + deps.idempotencyTtlMs,
            };
      let seed: number | null = null;
      if ('settings' in request) {
        seed = request.settings.seed === -1 ? randomInt(0, SEED_MAX + 1) : request.settings.seed;
        request.settings.seed = seed;
      }
      const engine = taskEngineOf(caller.endpoint);
      const ownConcurrency = caller.key.limits.concurrency ?? deps.defaultKeyConcurrency ?? 0;
      const maxUnfinished = ownConcurrency === 0 ? undefined : ownConcurrency;
      const result = await ledger.create(
        {
          id: generateTaskId(now),
          endpointId: caller.endpoint.id,
          keyId: caller.key.id,
          type,
          engine,
          request,
          seed,
          maxAttempts: deps.maxAttempts,
          createdAt: now,
          deadlineAt: now + deps.taskTimeoutMs,
          callbackUrl: callbackUrl ?? null,
        },
        idempotency,
        deps.maxPendingPerEngine || undefined,
        maxUnfinished,
      );
      if (result.kind === 'concurrency-limited') {
        events.refused({ type, engine }, 'CONCURRENCY_LIMITED');
        throw new ApiError(
          'CONCURRENCY_LIMITED',
          `This access key already has ${maxUnfinished} unfinished tasks, its limit; submit again when one finishes`,
          { retryAfter: CONCURRENCY_RETRY_AFTER_S },
        );
      }
      if (result.kind === 'queue-full') {
        events.refused({ type, engine }, 'QUEUE_FULL');
        // Refused now rather than accepted and left to end as TIMEOUT at its deadline.
        throw new ApiError(
          'QUEUE_FULL',
          `${deps.maxPendingPerEngine} tasks are already waiting for this endpoint's engine; submit again later`,
          { retryAfter: QUEUE_FULL_RETRY_AFTER_S },
        );
      }
      if (result.kind === 'conflict') {
        throw new ApiError(
          'IDEMPOTENCY_CONFLICT',
          'This Idempotency-Key was already used with a different request body',
        );
      }
      if (result.kind === 'created') {
        deps.signal.notify(engine);
        events.accepted({ type, engine });
      }
      return result.task.id;
    },

    async get(caller: Caller, taskId: string): Promise<Task> {
      return view(await findOwn(caller, taskId), clock.now());
    },

    async cancel(caller: Caller, taskId: string): Promise<Task> {
      const task = await findOwn(caller, taskId);
      const now = clock.now();
      const cancelled = await ledger.terminate(task.id, { code: 'CANCELLED', message: 'Cancelled by the client' }, now);
      if (cancelled) {
        events.finished(cancelled, 'CANCELLED');
        deps.onFinished(task.id);
        return view(cancelled, now);
      }
      const current = (await ledger.get(task.id)) ?? task;
      if (current.status === 'FAIL' && current.error?.code === 'CANCELLED') return view(current, now);
      throw new ApiError('TASK_NOT_CANCELLABLE', `The task already finished with status ${current.status}`);
    },

    async list(caller: Caller, query: ListTasksQuery): Promise<TaskList> {
      const cursor = query.cursor === undefined ? undefined : decodeCursor(query.cursor);
      if (cursor === null) {
        throw new ApiError('INVALID_PARAMETER', 'cursor: is not a cursor returned by this API', {
          details: [{ path: 'cursor', message: 'is not a cursor returned by this API' }],
        });
      }
      const limit = query.limit ?? LIST_LIMIT_DEFAULT;
      const rows = await ledger.list({
        endpointId: caller.endpoint.id,
        status: query.status,
        limit: limit + 1,
        cursor,
      });
      const page = rows.slice(0, limit);
      const last = page.at(-1);
      const now = clock.now();
      return {
        tasks: await Promise.all(page.map((task) => view(task, now))),
        nextCursor: rows.length > limit && last ? encodeCursor({ createdAt: last.createdAt, id: last.id }) : null,
      };
    },

    /**
     * For the OpenAI-compatible API, which addresses a task by id alone: the task if its endpoint
     * is one of `endpointIds` (those of the caller's key), else the same TASK_NOT_FOUND as `get`.
     */
    async record(endpointIds: readonly string[], taskId: string): Promise<TaskRecord> {
      const task = await tasks.get(taskId);
      if (!task || !endpointIds.includes(task.endpointId)) throw new ApiError('TASK_NOT_FOUND', 'No such task');
      return task;
    },

    /** Rows of the caller's endpoint after `after` (exclusive), in either creation order. */
    records(
      caller: Caller,
      options: { limit: number; order: 'asc' | 'desc'; after?: { createdAt: number; id: string } },
    ): Promise<TaskRecord[]> {
      return ledger.list({
        endpointId: caller.endpoint.id,
        limit: options.limit,
        order: options.order,
        cursor: options.after,
      });
    },

    /**
     * Records that the client deleted a finished task's result (the caller removes the files):
     * media URLs answer 410 from now on and the task stays readable without a mediaUrl, as after
     * retention.
     */
    async forgetResult(caller: Caller, taskId: string): Promise<void> {
      const task = await findOwn(caller, taskId);
      await ledger.markResultDeleted(task.id, clock.now());
    },
  };
}

export type TasksService = ReturnType<typeof createTasksService>;
