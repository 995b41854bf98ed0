/**
 * A task row as the wire shows it, with a fresh media URL on SUCCESS. The blob store makes the URL:
 * the API's signed media URL for the local store, a presigned GET for S3, so clients download
 * results from the object store directly. A PENDING task also says where it waits (queue-info.ts).
 */
import type { Task } from '@vidforge/contract';
import type { BlobStore, BlobUrl } from '../../ports/blob-store.ts';
import type { TaskRecord } from '../../ports/task-ledger.ts';
import type { QueueInfo } from './queue-info.ts';
import { isFinished } from './task-state.ts';

export interface TaskViewDeps {
  blobs: Pick<BlobStore, 'urlFor'>;
  mediaUrlTtlMs: number;
  /** Where a PENDING task waits (null in other statuses). */
  queue: QueueInfo;
}

export function createTaskView(deps: TaskViewDeps) {
  // A finished task's view is a function of its record (a new, frozen object whenever the row
  // changes: task-cache.ts) and of its URL (the same object within a second from the local store).
  // Polls of it get one frozen view while both stay, and the poll route reuses its JSON too.
  const finished = new WeakMap<TaskRecord, { url: BlobUrl | null; view: Task }>();
  return async (task: TaskRecord, now: number): Promise<Task> => {
    let url: BlobUrl | null = null;
    const available =
      task.status === 'SUCCESS' &&
      task.resultDeletedAt === null &&
      (task.retainUntil === null || now < task.retainUntil);
    if (available && task.outputKey) {
      // Never valid past retention: a URL must not outlive the file it points to. The store may
      // cap it earlier still; expireTime is what the URL itself says.
      const asked = Math.min(now + deps.mediaUrlTtlMs, task.retainUntil ?? Number.POSITIVE_INFINITY);
      url = await deps.blobs.urlFor(task.outputKey, { expiresAt: asked });
    }
    const terminal = isFinished(task.status);
    const last = terminal ? finished.get(task) : undefined;
    if (last && last.url === url) return last.view;
    const view: Task = {
      taskId: task.id,
      type: task.type,
      status: task.status,
      progress: task.status === 'SUCCESS' ? 1 : task.progress,
      mediaUrl: url?.url ?? null,
      expireTime: url?.expiresAt ?? null,
      createdAt: task.createdAt,
      updatedAt: task.updatedAt,
      seed: task.seed,
      error: task.error,
      video: task.status === 'SUCCESS' ? task.video : null,
      request: task.request,
      queue: await deps.queue(task),
    };
    if (!terminal) return view;
    finished.set(task, { url, view: Object.freeze(view) });
    return view;
  };
}

export type TaskView = ReturnType<typeof createTaskView>;
