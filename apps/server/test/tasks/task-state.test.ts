/** The transitions and their policy, without a database: what each event writes. */
import { describe, expect, it } from 'vitest';
import * as state from '../../src/modules/tasks/task-state.ts';

const NOW = 1_700_000_000_000;
const ERROR = { code: 'ENGINE_FAILED', message: 'boom' } as const;
const VIDEO = { width: 64, height: 64, fps: 24, durationSeconds: 1, hasAudio: false };

describe('task-state', () => {
  it('a claim moves PENDING to IN_PROGRESS and counts the attempt', () => {
    expect(state.claimed(NOW)).toEqual({ status: 'IN_PROGRESS', attemptsDelta: 1, updatedAt: NOW });
  });

  it('progress is clamped below 1, never goes backwards, and ignores garbage', () => {
    expect(state.progressed(0.2, 0.5, NOW)).toEqual({ progress: 0.5, updatedAt: NOW });
    expect(state.progressed(0.2, 1, NOW)).toEqual({ progress: state.MAX_RUNNING_PROGRESS, updatedAt: NOW });
    expect(state.progressed(0.5, 0.4, NOW)).toBeNull();
    expect(state.progressed(0.5, 0.5, NOW)).toBeNull();
    expect(state.progressed(0, Number.NaN, NOW)).toBeNull();
    expect(state.progressed(0, -3, NOW)).toBeNull();
    expect(state.progressed(0.99, Number.POSITIVE_INFINITY, NOW)).toBeNull();
    expect(state.progressed(0, 0.4624999999999999, NOW)).toEqual({ progress: 0.4625, updatedAt: NOW });
    expect(state.progressed(0, 1 / 3, NOW)).toEqual({ progress: 0.3333, updatedAt: NOW });
  });

  it('a commit is SUCCESS with progress 1, the result, and no error', () => {
    const result = { outputKey: 'results/t/1.mp4', video: VIDEO, retainUntil: NOW + 1 };
    expect(state.committed(result, NOW)).toEqual({
      task: {
        status: 'SUCCESS',
        progress: 1,
        video: VIDEO,
        outputKey: 'results/t/1.mp4',
        retainUntil: NOW + 1,
        error: null,
        finishedAt: NOW,
        updatedAt: NOW,
      },
      attempt: { outcome: 'succeeded', error: null, endedAt: NOW },
    });
  });

  it('a retry is PENDING after the backoff with no task error; the attempt keeps the error', () => {
    const retry = state.retried(ERROR, NOW + 500, NOW, 'worker');
    expect(retry.task).toEqual({ status: 'PENDING', runAfter: NOW + 500, updatedAt: NOW });
    expect(retry.task.error).toBeUndefined();
    expect(retry.attempt).toEqual({ outcome: 'retry', error: ERROR, endedAt: NOW });
  });

  it('the reaper records its settlements as expired', () => {
    expect(state.retried(ERROR, NOW, NOW, 'reaper').attempt?.outcome).toBe('expired');
    expect(state.failed(ERROR, NOW, 'reaper').attempt?.outcome).toBe('expired');
    expect(state.failed(ERROR, NOW, 'worker').attempt?.outcome).toBe('failed');
  });

  it('a failure is FAIL with the error on the task and the attempt', () => {
    expect(state.failed(ERROR, NOW, 'worker').task).toEqual({
      status: 'FAIL',
      error: ERROR,
      finishedAt: NOW,
      updatedAt: NOW,
    });
  });

  it('a release gives the attempt back', () => {
    expect(state.released(NOW)).toEqual({
      task: { status: 'PENDING', attemptsDelta: -1, updatedAt: NOW },
      attempt: { outcome: 'released', error: null, endedAt: NOW },
    });
  });

  it('termination records a cancel as cancelled and a timeout as failed', () => {
    const cancel = { code: 'CANCELLED', message: 'stop' } as const;
    const timeout = { code: 'TIMEOUT', message: 'late' } as const;
    expect(state.terminated(cancel, NOW)).toEqual({
      task: { status: 'FAIL', error: cancel, finishedAt: NOW, updatedAt: NOW },
      attempt: { outcome: 'cancelled', error: cancel, endedAt: NOW },
    });
    expect(state.terminated(timeout, NOW).attempt?.outcome).toBe('failed');
  });

  it('knows which statuses are final', () => {
    expect(['PENDING', 'IN_PROGRESS', 'SUCCESS', 'FAIL'].map((s) => state.isFinished(s as never))).toEqual([
      false,
      false,
      true,
      true,
    ]);
  });
});
