/**
 * Every transition of a task and the policy that goes with it, as pure functions: given what the
 * task is and what happened, the change to write. The ledger adapters persist these changes and
 * decide nothing themselves (house rule 5), so SQLite and PostgreSQL cannot drift apart.
 *
 *   PENDING ──claim──▶ IN_PROGRESS ──commit──▶ SUCCESS
 *      ▲                  │ │ └────fail─────▶ FAIL
 *      └──retry/release───┘ └──terminate────▶ FAIL (CANCELLED, TIMEOUT; also from PENDING)
 */
import type { TaskError, TaskStatus, VideoInfo } from '@vidforge/contract';
import type { AttemptOutcome } from '../../ports/task-ledger.ts';

/** Progress reaches 1 only through commit: a worker at "100 %" has not stored its result yet. */
export const MAX_RUNNING_PROGRESS = 0.99;

export const UNFINISHED: readonly TaskStatus[] = ['PENDING', 'IN_PROGRESS'];

export const isFinished = (status: TaskStatus): boolean => status === 'SUCCESS' || status === 'FAIL';

/** The columns a transition writes on the task row; absent means unchanged. */
export interface TaskChange {
  status?: TaskStatus;
  progress?: number;
  /** Added to the attempt count (the claim counts an attempt, a graceful release gives it back). */
  attemptsDelta?: number;
  /** null clears it. */
  error?: TaskError | null;
  video?: VideoInfo;
  outputKey?: string;
  retainUntil?: number;
  runAfter?: number;
  finishedAt?: number;
  updatedAt?: number;
}

/** How the attempt that held the lease ended. */
export interface AttemptEnd {
  outcome: AttemptOutcome;
  error: TaskError | null;
  endedAt: number;
}

export interface Transition {
  task: TaskChange;
  /** Ends the open attempt; absent when the lease stays open (heartbeat). */
  attempt?: AttemptEnd;
}

/** Who ends an attempt: its own worker, or the reaper acting on a lease that expired. */
export type Actor = 'worker' | 'reaper';

/** PENDING → IN_PROGRESS; the attempt count goes up with the lease. */
export function claimed(now: number): TaskChange {
  return { status: 'IN_PROGRESS', attemptsDelta: 1, updatedAt: now };
}

/**
 * A heartbeat's progress: clamped to [0, MAX_RUNNING_PROGRESS], kept to four decimals (clients show
 * percentages, not 0.4624999999999999), never backwards, and the task's `updatedAt` moves only
 * when progress did. Null when nothing on the task row changes.
 */
export function progressed(current: number, reported: number, now: number): TaskChange | null {
  const finite = Number.isFinite(reported) ? Math.min(Math.max(reported, 0), MAX_RUNNING_PROGRESS) : 0;
  const clamped = Math.round(finite * 10_000) / 10_000;
  return clamped > current ? { progress: clamped, updatedAt: now } : null;
}

export function committed(
  result: { outputKey: string; video: VideoInfo; retainUntil: number },
  now: number,
): Transition {
  return {
    task: {
      status: 'SUCCESS',
      progress: 1,
      video: result.video,
      outputKey: result.outputKey,
      retainUntil: result.retainUntil,
      error: null,
      finishedAt: now,
      updatedAt: now,
    },
    attempt: { outcome: 'succeeded', error: null, endedAt: now },
  };
}

/**
 * Back to PENDING after `runAfter`. The task carries no error (a PENDING task has none on the
 * wire); the attempt keeps it. Progress is kept: a client never sees it go backwards.
 */
export function retried(error: TaskError, runAfter: number, now: number, by: Actor): Transition {
  return {
    task: { status: 'PENDING', runAfter, updatedAt: now },
    attempt: { outcome: by === 'reaper' ? 'expired' : 'retry', error, endedAt: now },
  };
}

export function failed(error: TaskError, now: number, by: Actor): Transition {
  return {
    task: { status: 'FAIL', error, finishedAt: now, updatedAt: now },
    attempt: { outcome: by === 'reaper' ? 'expired' : 'failed', error, endedAt: now },
  };
}

/** A graceful give-back (shutdown, a runner's abort): PENDING at once, and the attempt does not count. */
export function released(now: number): Transition {
  return {
    task: { status: 'PENDING', attemptsDelta: -1, updatedAt: now },
    attempt: { outcome: 'released', error: null, endedAt: now },
  };
}

/** Ended from outside its lease (cancel, deadline), from PENDING or IN_PROGRESS. */
export function terminated(error: TaskError, now: number): Transition {
  return {
    task: { status: 'FAIL', error, finishedAt: now, updatedAt: now },
    attempt: { outcome: error.code === 'CANCELLED' ? 'cancelled' : 'failed', error, endedAt: now },
  };
}
