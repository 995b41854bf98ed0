/**
 * Durable task rows: the source of truth for what was accepted and how it ended.
 * Leases live beside them (see work-queue.ts); a task is not an attempt.
 */
import type { TaskError, TaskErrorCode, TaskRequest, TaskStatus, TaskType, VideoInfo } from '@vidforge/contract';

export interface TaskRecord {
  id: string;
  endpointId: string;
  /** The access key that submitted it (kept for audit; visibility is per endpoint). */
  keyId: string;
  type: TaskType;
  /** The engine of the endpoint at submit time; workers claim by engine. */
  engine: string;
  status: TaskStatus;
  progress: number;
  /** The validated request with defaults applied; `seed` is the resolved one. */
  request: TaskRequest['body'];
  seed: number | null;
  error: TaskError | null;
  video: VideoInfo | null;
  /** Blob key of the result on SUCCESS. */
  outputKey: string | null;
  attempts: number;
  maxAttempts: number;
  createdAt: number;
  updatedAt: number;
  /** The task FAILs with TIMEOUT if it has not finished by then. */
  deadlineAt: number;
  /** Earliest time a (re)try may start; backoff moves it forward. */
  runAfter: number;
  finishedAt: number | null;
  /** After this the result is gone (410) and the sweeper deletes it. */
  retainUntil: number | null;
  resultDeletedAt: number | null;
}

export interface NewTask {
  id: string;
  endpointId: string;
  keyId: string;
  type: TaskType;
  engine: string;
  request: TaskRequest['body'];
  seed: number | null;
  maxAttempts: number;
  createdAt: number;
  deadlineAt: number;
}

export interface IdempotencyClaim {
  keyId: string;
  endpointId: string;
  key: string;
  /** SHA-256 of the canonical request (operation + body). */
  fingerprint: string;
  expiresAt: number;
}

export type CreateTaskResult =
  | { kind: 'created'; task: TaskRecord }
  /** The same Idempotency-Key and body were seen before: the original task. */
  | { kind: 'replayed'; task: TaskRecord }
  | { kind: 'conflict' }
  /** `maxPending` tasks of the same engine were already PENDING: nothing was written. */
  | { kind: 'queue-full' };

export interface ListTasksOptions {
  endpointId: string;
  status?: TaskStatus;
  limit: number;
  /** Opaque position returned by a previous page. */
  cursor?: { createdAt: number; id: string };
  /** Newest first (default) or oldest first; the cursor is exclusive either way. */
  order?: 'asc' | 'desc';
}

export interface TaskStore {
  /**
   * Writes the task (PENDING) and, when given, its idempotency record in one transaction, unless
   * `maxPending` (when given) tasks of its engine are PENDING already, counted in the same
   * transaction so that concurrent submits cannot overshoot. A replay is answered even when full.
   */
  create(task: NewTask, idempotency?: IdempotencyClaim, maxPending?: number): Promise<CreateTaskResult>;
  get(id: string): Promise<TaskRecord | null>;
  /** Newest first unless `order` says otherwise; ties broken by id so paging is stable. */
  list(options: ListTasksOptions): Promise<TaskRecord[]>;
  /**
   * Ends a PENDING or IN_PROGRESS task as FAIL with `code` (CANCELLED, TIMEOUT), ending its
   * current lease so the worker's next write is refused. Returns the task after the write, or
   * null when it was already finished (then nothing changed).
   */
  finishUnleased(id: string, error: { code: TaskErrorCode; message: string }, now: number): Promise<TaskRecord | null>;
  /** Ids of unfinished tasks whose deadline has passed. */
  overdue(now: number, limit: number): Promise<string[]>;
  /** SUCCESS tasks past retention whose result has not been deleted yet. */
  expiredResults(now: number, limit: number): Promise<TaskRecord[]>;
  markResultDeleted(id: string, now: number): Promise<void>;
  /** Deletes idempotency records past their expiry; returns how many. */
  pruneIdempotency(now: number): Promise<number>;
}
