/**
 * One place where a failed attempt becomes a retry or a final FAIL (house rule 7), for the
 * in-process workers, remote runners and the source fetch before a runner's claim.
 */
import type { TaskError } from '@vidforge/contract';
import { EngineError } from '../../engines/engine.ts';
import type { Clock } from '../../ports/clock.ts';
import type { Lease, TaskLedger } from '../../ports/task-ledger.ts';
import type { WorkSignal } from '../../ports/work-signal.ts';
import type { TaskEvents, TaskLabels } from '../metrics/task-events.ts';
import type { RetryPolicy } from './retry-policy.ts';

export interface SettleDeps {
  ledger: TaskLedger;
  signal: WorkSignal;
  retry: RetryPolicy;
  clock: Clock;
  log: { info(obj: object, msg: string): void; warn(obj: object, msg: string): void };
  /** Metrics; absent: not observed. */
  events?: TaskEvents;
}

export interface Failure {
  error: TaskError;
  retryable: boolean;
  retryAfterMs?: number;
}

/**
 * What a thrown error means for the task: an EngineError keeps its code, message and retry advice;
 * anything else is retryable and shown as `fallback` (its details belong in the log only).
 */
export function failureOf(error: unknown, fallback: TaskError): Failure {
  if (!(error instanceof EngineError)) return { error: fallback, retryable: true };
  return {
    error: { code: error.code, message: error.message },
    retryable: error.retryable,
    retryAfterMs: error.retryAfterMs,
  };
}

/** The task's status after the write, or null when the lease was no longer current (nothing written). */
export async function settleFailure(
  deps: SettleDeps,
  lease: Lease,
  task: { maxAttempts: number } & TaskLabels,
  failure: Failure,
  /** More for the log line, e.g. how long the attempt ran. */
  logFields: object = {},
): Promise<'PENDING' | 'FAIL' | null> {
  const { ledger, clock, log } = deps;
  const decision = deps.retry.decide(lease.attempt, task.maxAttempts, failure);
  const now = clock.now();
  const { taskId, attempt } = lease;
  if (decision.retry) {
    if (!(await ledger.retry(lease, failure.error, now + decision.delayMs, now))) return null;
    const { code, message } = failure.error;
    log.warn({ taskId, attempt, code, message, delayMs: decision.delayMs, ...logFields }, 'task will be retried');
    deps.events?.retried(task, code);
    deps.signal.notify(task.engine);
    return 'PENDING';
  }
  if (!(await ledger.fail(lease, failure.error, now))) return null;
  deps.events?.finished(task, failure.error.code);
  log.info({ taskId, attempt, code: failure.error.code, message: failure.error.message, ...logFields }, 'task failed');
  return 'FAIL';
}
