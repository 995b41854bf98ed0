/**
 * The durable life of a task, in one port: what was accepted (the task row, the source of truth for
 * how it ended) and who is working on it (one lease per attempt; a task is not an attempt). The
 * transitions and their policy are decided in modules/tasks/task-state.ts; adapters persist them.
 *
 * Every write after the claim is a compare-and-set on (taskId, leaseToken, IN_PROGRESS): a worker
 * whose lease was reaped, cancelled or timed out writes nothing. Time boundaries, one rule
 * throughout: something that ends at T (deadline, lease, retention, idempotency expiry) still holds
 * at T and has passed once now > T. Callers pass `now`; in the fleet it comes from the database's
 * clock, so hosts whose clocks disagree still agree on expiries.
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
  /**
   * What the task's engine last checkpointed (JSON text), for the next attempt to resume from
   * (the upstream engine: the upstream's task id); null when nothing was.
   */
  engineState: string | null;
  /**
   * Moves whenever status or progress does, never backwards: the id of the task's Server-Sent
   * Events, so `Last-Event-ID` resumes exactly.
   */
  revision: number;
  /**
   * Moves with every change of the task's row, whatever changed and whichever process wrote it,
   * never backwards: a record whose rowVersion is the row's current one is current.
   */
  rowVersion: number;
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
  /** Where the task's terminal event is POSTed (docs/webhooks.md). */
  callbackUrl?: string | null;
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
  | { kind: 'queue-full' }
  /** The task's key already has `maxUnfinishedPerKey` PENDING or IN_PROGRESS tasks: nothing was written. */
  | { kind: 'concurrency-limited' };

export interface ListTasksOptions {
  endpointId: string;
  status?: TaskStatus;
  limit: number;
  /** Opaque position returned by a previous page. */
  cursor?: { createdAt: number; id: string };
  /** Newest first (default) or oldest first; the cursor is exclusive either way. */
  order?: 'asc' | 'desc';
}

export interface Lease {
  taskId: string;
  token: string;
  /** 1 for the first attempt. */
  attempt: number;
  workerId: string;
  expiresAt: number;
}

export interface ClaimOptions {
  workerId: string;
  /** Engines this worker can run; tasks of other engines are left for others. */
  engines: readonly string[];
  /** Operations this worker serves; all when absent. */
  types?: readonly TaskType[];
  leaseMs: number;
  now: number;
  /**
   * Claim only while `workerId` holds fewer than `maxOpen` open leases, checked inside the claim
   * (a remote runner's concurrency): concurrent claims of one worker cannot exceed it.
   */
  maxOpen?: number;
}

export type HeartbeatResult =
  | { ok: true; expiresAt: number }
  /** The lease is no longer current (reaped, cancelled, timed out, finished). Stop and discard. */
  | { ok: false };

export interface CompletedResult {
  outputKey: string;
  video: VideoInfo;
  retainUntil: number;
}

export interface ExpiredLease extends Lease {
  maxAttempts: number;
  /** The task's engine, to wake its workers when the reaper puts the task back. */
  engine: string;
  /** The task's operation, for the metrics of how it ended. */
  type: TaskType;
}

export type AttemptOutcome = 'succeeded' | 'retry' | 'failed' | 'released' | 'expired' | 'cancelled';

/** One attempt as a remote runner's calls need it: they carry only the task id and lease token. */
export interface AttemptState {
  lease: Lease;
  /** When the attempt was claimed (its run time is measured from here). */
  startedAt: number;
  /** null while the lease is open. */
  outcome: AttemptOutcome | null;
  /** The probed output uploaded during this attempt, if any. */
  output: VideoInfo | null;
}

/** Unfinished tasks of one engine, for the queue metrics. */
export interface EngineQueueStats {
  engine: string;
  pending: number;
  inProgress: number;
  /**
   * The earliest `runAfter` of its PENDING tasks (null when none): when the longest-waiting task
   * became runnable. In the future when every pending task is waiting out a retry backoff.
   */
  oldestRunAfter: number | null;
}

export interface QueueStats {
  engines: EngineQueueStats[];
  /**
   * The scan stopped at its row limit: counts are lower bounds, and engines past the limit may be
   * missing. Only possible with more unfinished tasks than the limit (admission control keeps
   * them at `maxPendingPerEngine` per engine).
   */
  truncated: boolean;
}

/** An open lease with what its worker last reported. */
export interface OpenLease extends Lease {
  progress: number;
  stage: string | null;
}

export interface TaskLedger {
  // --- what clients submit and read ---

  /**
   * Writes the task (PENDING) and, when given, its idempotency record in one transaction, unless
   * `maxPending` (when given) tasks of its engine are PENDING already, counted in the same
   * transaction so that concurrent submits cannot overshoot. A replay is answered even when full.
   */
  create(
    task: NewTask,
    idempotency?: IdempotencyClaim,
    maxPending?: number,
    maxUnfinishedPerKey?: number,
  ): Promise<CreateTaskResult>;
  get(id: string): Promise<TaskRecord | null>;
  /** The task's current `rowVersion`, or null when there is no such task: one integer, by primary key. */
  rowVersion(id: string): Promise<number | null>;
  /**
   * The current `revision` of each of these tasks (absent: no such task), in one query: what the
   * live-progress watcher asks every tick for all the tasks its open streams follow.
   */
  revisions(ids: readonly string[]): Promise<Map<string, number>>;
  /** Newest first unless `order` says otherwise; ties broken by id so paging is stable. */
  list(options: ListTasksOptions): Promise<TaskRecord[]>;
  /**
   * Ends a PENDING or IN_PROGRESS task as FAIL with `code` (CANCELLED, TIMEOUT) whoever holds it,
   * ending its current lease so that the worker's next write (its heartbeat) is refused, on
   * whatever process it runs. Returns the task after the write, or null when it had already
   * finished (then nothing changed).
   */
  terminate(id: string, error: { code: TaskErrorCode; message: string }, now: number): Promise<TaskRecord | null>;

  // --- workers and runners ---

  /**
   * Atomically picks the oldest runnable PENDING task (runAfter ≤ now) of one of `engines`,
   * marks it IN_PROGRESS, counts the attempt and opens its lease.
   */
  claim(options: ClaimOptions): Promise<Lease | null>;
  /** Extends the lease and records progress (never backwards, below 1) and stage. Fenced. */
  heartbeat(lease: Lease, progress: number, leaseMs: number, now: number, stage?: string): Promise<HeartbeatResult>;
  /**
   * Records the engine's resume state (JSON text, or null to clear it) on the task for later
   * attempts. Fenced: false, and nothing written, when the lease is no longer current.
   */
  checkpoint(lease: Lease, state: string | null): Promise<boolean>;
  /** Records the probed output of the attempt (a remote runner's upload) for commit(). Fenced. */
  stageOutput(lease: Lease, video: VideoInfo): Promise<boolean>;
  /** The attempt holding `token` for `taskId`, open or ended; null when there is none. */
  attempt(taskId: string, token: string): Promise<AttemptState | null>;
  /** Open leases held by these workers, oldest first. */
  openLeases(workerIds: readonly string[]): Promise<OpenLease[]>;
  /** SUCCESS with the result written under the attempt's own key. Fenced; false when stale. */
  commit(lease: Lease, result: CompletedResult, now: number): Promise<boolean>;
  /** Back to PENDING until `runAfter`, keeping the error as the attempt's outcome. Fenced. */
  retry(lease: Lease, error: TaskError, runAfter: number, now: number): Promise<boolean>;
  /** FAIL with the error. Fenced. */
  fail(lease: Lease, error: TaskError, now: number): Promise<boolean>;
  /** Graceful give-back (shutdown): PENDING again and the attempt does not count. Fenced. */
  release(lease: Lease, now: number): Promise<boolean>;
  /** Earliest `runAfter` of a PENDING task of these engines, to sleep exactly until then. */
  nextRunAt(engines: readonly string[]): Promise<number | null>;

  // --- operations ---

  /**
   * PENDING and IN_PROGRESS counts and the oldest pending `runAfter` per engine, for metrics.
   * Reads the claim index only, and at most `scanLimit` of its entries per status, so its cost
   * has a bound whatever the backlog.
   */
  queueStats(scanLimit: number): Promise<QueueStats>;
  /**
   * How many PENDING tasks of the task's engine a worker would claim before it: those earlier in
   * the claim order (runAfter, createdAt, id), counted up to `limit` and no further, so a poll
   * costs one bounded walk of the claim index whatever the backlog. Other operations of the same
   * engine count too (a worker serving only some of them may skip those).
   */
  tasksAhead(task: Pick<TaskRecord, 'id' | 'engine' | 'runAfter' | 'createdAt'>, limit: number): Promise<number>;

  // --- the reaper and the sweeper ---

  /** Leases whose expiry has passed, for the reaper to retry or fail (through retry/fail). */
  expired(now: number, limit: number): Promise<ExpiredLease[]>;
  /** Ids of unfinished tasks whose deadline has passed. */
  overdue(now: number, limit: number): Promise<string[]>;
  /** SUCCESS tasks past retention whose result has not been deleted yet. */
  expiredResults(now: number, limit: number): Promise<TaskRecord[]>;
  markResultDeleted(id: string, now: number): Promise<void>;
  /**
   * For the orphan sweep: of these task ids, the output key each one committed and is still
   * keeping (SUCCESS, result not deleted), and whether the task is still unfinished. Ids absent
   * from the answer have no task at all.
   */
  resultHolders(taskIds: readonly string[]): Promise<Map<string, { finished: boolean; outputKey: string | null }>>;
  /** Deletes idempotency records past their expiry; returns how many. */
  pruneIdempotency(now: number): Promise<number>;
}
