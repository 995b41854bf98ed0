/**
 * What the task services report as it happens, for the metrics: an interface only, so services
 * depend on it and not on the metrics library (the implementation is task-metrics.ts). Each event
 * is reported by the process whose write made it happen (the fenced write succeeded there), so
 * every event is counted once across a fleet.
 */
import type { TaskErrorCode, TaskType } from '@vidforge/contract';

export interface TaskLabels {
  type: TaskType;
  engine: string;
}

/**
 * How an attempt ended for the worker that ran it. `stopped`: its lease was ended elsewhere
 * (cancel, deadline, the reaper), which wrote the outcome.
 */
export type AttemptEnd = 'succeeded' | 'retry' | 'failed' | 'released' | 'stopped';

export interface TaskEvents {
  /** A submit created a task (replays of an Idempotency-Key are not new tasks). */
  accepted(task: TaskLabels): void;
  /**
   * A submit was refused by admission control (503 QUEUE_FULL) or its key's concurrency limit
   * (429 CONCURRENCY_LIMITED); nothing was written.
   */
  refused(task: TaskLabels, code: 'QUEUE_FULL' | 'CONCURRENCY_LIMITED'): void;
  /** A worker or runner claimed the task after it had been runnable for `waitedMs`. */
  started(task: TaskLabels, waitedMs: number): void;
  /** An attempt ended through the worker or runner that ran it, `durationMs` after its claim. */
  attemptEnded(task: TaskLabels, outcome: AttemptEnd, durationMs: number): void;
  /** A failed attempt was put back in the queue for another one. */
  retried(task: TaskLabels, code: TaskErrorCode): void;
  /** The task reached SUCCESS (`code` null) or FAIL with `code`. */
  finished(task: TaskLabels, code: TaskErrorCode | null): void;
}

/** For services built without metrics (unit tests, admin commands). */
export const UNOBSERVED_TASKS: TaskEvents = {
  accepted() {},
  refused() {},
  started() {},
  attemptEnded() {},
  retried() {},
  finished() {},
};
