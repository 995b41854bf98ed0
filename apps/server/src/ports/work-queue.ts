/**
 * Leases on tasks. On the embedded path the task table itself is the queue; a Redis/BullMQ adapter
 * would keep the wake-up and ordering in Redis and the fenced writes in the TaskStore's database.
 *
 * Every method that changes a task after the claim is a compare-and-set on (taskId, leaseToken,
 * IN_PROGRESS): a worker whose lease was reaped, cancelled or timed out writes nothing.
 * Adapters hold no policy: the server decides retry, backoff and give-up (house rule 7).
 */
import type { TaskError, TaskType, VideoInfo } from '@vidforge/contract';

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
}

export type AttemptOutcome = 'succeeded' | 'retry' | 'failed' | 'released' | 'expired' | 'cancelled';

/** One attempt as a remote runner's calls need it: they carry only the task id and lease token. */
export interface AttemptState {
  lease: Lease;
  /** null while the lease is open. */
  outcome: AttemptOutcome | null;
  /** The probed output uploaded during this attempt, if any. */
  output: VideoInfo | null;
}

/** An open lease with what its worker last reported. */
export interface OpenLease extends Lease {
  progress: number;
  stage: string | null;
}

export interface WorkQueue {
  /**
   * Atomically picks the oldest runnable PENDING task (runAfter ≤ now) of one of `engines`,
   * marks it IN_PROGRESS, increments its attempts and records a new lease.
   */
  claim(options: ClaimOptions): Promise<Lease | null>;
  /** Extends the lease and records progress (clamped to [current, 0.99]) and stage; fenced. */
  heartbeat(lease: Lease, progress: number, leaseMs: number, now: number, stage?: string): Promise<HeartbeatResult>;
  /** Records the probed output of the attempt (a remote runner's upload) for complete(). Fenced. */
  stageOutput(lease: Lease, video: VideoInfo): Promise<boolean>;
  /** The attempt holding `token` for `taskId`, open or ended; null when there is none. */
  attempt(taskId: string, token: string): Promise<AttemptState | null>;
  /** Open leases held by these workers, oldest first. */
  openLeases(workerIds: readonly string[]): Promise<OpenLease[]>;
  /** SUCCESS with the result; progress becomes 1. Fenced; false when stale. */
  complete(lease: Lease, result: CompletedResult, now: number): Promise<boolean>;
  /** Back to PENDING until `runAfter`, keeping the error as the attempt's outcome. Fenced. */
  retry(lease: Lease, error: TaskError, runAfter: number, now: number): Promise<boolean>;
  /** FAIL with the error. Fenced. */
  fail(lease: Lease, error: TaskError, now: number): Promise<boolean>;
  /** Graceful give-back (shutdown): PENDING again and the attempt does not count. Fenced. */
  release(lease: Lease, now: number): Promise<boolean>;
  /** Leases whose expiry has passed, for the reaper to retry or fail (through retry/fail). */
  expired(now: number, limit: number): Promise<ExpiredLease[]>;
  /** Earliest `runAfter` of a PENDING task of these engines, to sleep exactly until then. */
  nextRunAt(engines: readonly string[]): Promise<number | null>;
  /** Wakes waiting workers at once (called after a submit or a retry). */
  notify(): void;
  /** Resolves on the next notify(), or after `ms`, or when `signal` aborts. */
  waitForWork(ms: number, signal?: AbortSignal): Promise<void>;
}
