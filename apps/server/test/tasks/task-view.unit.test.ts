/**
 * The task view (task-view.ts): a finished task's view is reused, frozen, while its record and its
 * URL are the same objects, and made anew as soon as either changes; an unfinished task's never is.
 */
import { describe, expect, it } from 'vitest';
import { createTaskView } from '../../src/modules/tasks/task-view.ts';
import type { BlobUrl } from '../../src/ports/blob-store.ts';
import type { TaskRecord } from '../../src/ports/task-ledger.ts';

const T0 = 1_800_000_000_000;

const RECORD: TaskRecord = Object.freeze({
  id: 'task1',
  endpointId: 'e1',
  keyId: 'k1',
  type: 'generate',
  engine: 'test',
  status: 'SUCCESS',
  progress: 1,
  request: { prompt: 'x' } as TaskRecord['request'],
  seed: 7,
  error: null,
  video: { width: 64, height: 64, fps: 24, durationSeconds: 1, hasAudio: false },
  outputKey: 'results/task1/out.mp4',
  attempts: 1,
  maxAttempts: 3,
  createdAt: T0,
  updatedAt: T0 + 10,
  deadlineAt: T0 + 900_000,
  runAfter: T0,
  finishedAt: T0 + 10,
  retainUntil: T0 + 3_600_000,
  resultDeletedAt: null,
  engineState: null,
  revision: 2,
  rowVersion: 3,
}) as TaskRecord;

/** Like the local store: one URL object per whole second of expiry. */
function urls() {
  const made = new Map<number, BlobUrl>();
  let calls = 0;
  return {
    get calls() {
      return calls;
    },
    async urlFor(_key: string, options: { expiresAt: number }): Promise<BlobUrl> {
      calls += 1;
      const expiresAt = options.expiresAt - (options.expiresAt % 1000);
      let url = made.get(expiresAt);
      if (!url) {
        url = Object.freeze({ url: `https://media.example/task1.mp4?exp=${expiresAt}`, expiresAt });
        made.set(expiresAt, url);
      }
      return url;
    },
  };
}

describe('the task view', () => {
  it('reuses one frozen view of a finished task while its record and URL stay the same', async () => {
    const blobs = urls();
    const view = createTaskView({ blobs, mediaUrlTtlMs: 60_000, queue: async () => null });
    const first = await view(RECORD, T0 + 100);
    expect(Object.isFrozen(first)).toBe(true);
    expect(await view(RECORD, T0 + 900)).toBe(first);
    // The URL is asked for every time: only the store knows when it changes.
    expect(blobs.calls).toBe(2);

    const nextSecond = await view(RECORD, T0 + 1100);
    expect(nextSecond).not.toBe(first);
    expect(nextSecond.mediaUrl).not.toBe(first.mediaUrl);
    expect(nextSecond.expireTime).toBe(T0 + 61_000);

    // The row changed (a new record): a new view at once, even within the second.
    const deleted = Object.freeze({ ...RECORD, resultDeletedAt: T0 + 1200, rowVersion: 4 });
    const afterDelete = await view(deleted, T0 + 1200);
    expect(afterDelete.mediaUrl).toBeNull();
    expect(afterDelete.expireTime).toBeNull();
  });

  it('drops the URL at the end of retention, within the same record', async () => {
    const view = createTaskView({ blobs: urls(), mediaUrlTtlMs: 60_000, queue: async () => null });
    const before = await view(RECORD, RECORD.retainUntil! - 1);
    expect(before.mediaUrl).not.toBeNull();
    // Never past retention.
    expect(before.expireTime).toBe(RECORD.retainUntil);
    const after = await view(RECORD, RECORD.retainUntil!);
    expect(after.mediaUrl).toBeNull();
  });

  it('makes a new view of an unfinished task every time (its place in the queue moves)', async () => {
    let position = 3;
    const view = createTaskView({
      blobs: urls(),
      mediaUrlTtlMs: 60_000,
      queue: async () => ({
        position: position--,
        positionIsLowerBound: false,
        runnerFamily: null,
        runnersOnline: null,
      }),
    });
    const pending = Object.freeze({ ...RECORD, status: 'PENDING', progress: 0, outputKey: null, video: null });
    const first = await view(pending as TaskRecord, T0);
    const second = await view(pending as TaskRecord, T0);
    expect(Object.isFrozen(first)).toBe(false);
    expect(first.queue?.position).toBe(3);
    expect(second.queue?.position).toBe(2);
  });
});
