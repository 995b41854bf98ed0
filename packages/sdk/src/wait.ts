/**
 * Waiting for a task: polls with growing, jittered pauses (a server's `Retry-After` wins), under
 * one deadline whose signal aborts whatever is in flight at that moment — the GET as much as the
 * pause. A response that arrives after the deadline is therefore never accepted.
 */
import type { Task } from './contract-types.ts';
import {
  type APIError,
  ConnectionError,
  RateLimitError,
  ServerError,
  TaskFailedError,
  TimeoutError,
} from './errors.ts';
import type { WaitOptions } from './options.ts';
import { jitter, parseRetryAfter } from './retry.ts';
import { Elapsed, type LinkedSignal, linkSignals, sleep } from './signals.ts';
import type { JsonResponse } from './transport.ts';

export const WAIT_DEFAULTS = { timeoutMs: 30 * 60_000, pollIntervalMs: 1_000, maxPollIntervalMs: 5_000 } as const;

/** The deadline and the caller's signal as one signal, for every request of one wait. */
export interface WaitScope extends LinkedSignal {
  timeoutMs: number;
}

export function openWaitScope(options: WaitOptions): WaitScope {
  const timeoutMs = options.timeoutMs ?? WAIT_DEFAULTS.timeoutMs;
  return { ...linkSignals([options.signal], timeoutMs), timeoutMs };
}

/** Errors that say "not now" rather than "never": polling carries on until the deadline. */
function isTransient(error: unknown): error is APIError {
  return error instanceof ConnectionError || error instanceof ServerError || error instanceof RateLimitError;
}

/** What the caller needs to resume after a timeout. */
export interface WaitProgress {
  taskId?: string;
  lastTask?: Task;
  idempotencyKey?: string;
}

/**
 * Whether a queued task's place in line and runners online are unchanged. The hosted original
 * sends no `queue` (undefined), read as null.
 */
function sameQueue(a: Task['queue'] | undefined, b: Task['queue'] | undefined): boolean {
  if (!a || !b) return (a ?? null) === (b ?? null);
  return (
    a.position === b.position &&
    a.positionIsLowerBound === b.positionIsLowerBound &&
    a.runnerFamily === b.runnerFamily &&
    a.runnersOnline === b.runnersOnline
  );
}

/**
 * `onProgress` called only when status, progress or `queue` changed since the last call, whether
 * the task came from the stream or a poll (a wait that falls back from one to the other included).
 */
export function progressReporter(options: WaitOptions): (task: Task) => void {
  let reported: Task | undefined;
  return (task) => {
    if (
      !reported ||
      reported.status !== task.status ||
      reported.progress !== task.progress ||
      !sameQueue(reported.queue, task.queue)
    ) {
      reported = task;
      options.onProgress?.(task);
    }
  };
}

/** Polls `fetchTask` until SUCCESS (resolves) or FAIL (rejects with TaskFailedError). */
export async function pollUntilDone(
  fetchTask: (signal: AbortSignal) => Promise<JsonResponse<Task>>,
  scope: WaitScope,
  options: WaitOptions,
  progress: WaitProgress,
): Promise<Task> {
  let pause = options.pollIntervalMs ?? WAIT_DEFAULTS.pollIntervalMs;
  const maxPause = Math.max(pause, options.maxPollIntervalMs ?? WAIT_DEFAULTS.maxPollIntervalMs);
  const report = progressReporter(options);
  for (;;) {
    let serverPause: number | undefined;
    try {
      const { data: task, headers, requestId } = await fetchTask(scope.signal);
      progress.lastTask = task;
      report(task);
      if (task.status === 'SUCCESS') return task;
      if (task.status === 'FAIL') throw new TaskFailedError(task, { status: 200, requestId, headers });
      serverPause = parseRetryAfter(headers);
    } catch (error) {
      if (!isTransient(error)) throw error;
      serverPause = error instanceof RateLimitError ? error.retryAfterMs : undefined;
    }
    await sleep(serverPause ?? jitter(pause), scope.signal);
    pause = Math.min(maxPause, pause * 1.5);
  }
}

/** Turns the deadline's abort into a TimeoutError that keeps what is needed to resume. */
export function translateWaitError(error: unknown, scope: WaitScope, progress: WaitProgress): unknown {
  if (!(error instanceof Elapsed) || !scope.signal.aborted) return error;
  const last = progress.lastTask;
  const state = last ? ` (last seen ${last.status}, ${Math.round(last.progress * 100)}%)` : '';
  const message = progress.taskId
    ? `Task ${progress.taskId} did not finish within ${scope.timeoutMs} ms${state}; it keeps running: wait again to resume`
    : `The submit did not complete within ${scope.timeoutMs} ms; resubmit with the same idempotencyKey to get the same task`;
  return new TimeoutError(message, { ...progress, cause: error });
}
