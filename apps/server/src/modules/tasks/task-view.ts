/** A task row as the wire shows it, with a freshly signed media URL on SUCCESS. */
import type { Task } from '@vidforge/contract';
import type { TaskRecord } from '../../ports/task-store.ts';
import { mediaPath } from '../results/media.routes.ts';
import type { UrlSigner } from '../results/url-signer.ts';

export interface TaskViewDeps {
  signer: UrlSigner;
  /** Origin of media URLs; known only once the server listens when not configured. */
  publicUrl(): string;
  mediaUrlTtlMs: number;
}

export function createTaskView(deps: TaskViewDeps) {
  return (task: TaskRecord, now: number): Task => {
    let mediaUrl: string | null = null;
    let expireTime: number | null = null;
    const available =
      task.status === 'SUCCESS' &&
      task.resultDeletedAt === null &&
      (task.retainUntil === null || now < task.retainUntil);
    if (available) {
      // Never valid past retention: a URL must not outlive the file it points to.
      expireTime = Math.min(now + deps.mediaUrlTtlMs, task.retainUntil ?? Number.POSITIVE_INFINITY);
      mediaUrl = `${deps.publicUrl()}${mediaPath(task.id)}?${deps.signer.sign(task.id, expireTime)}`;
    }
    return {
      taskId: task.id,
      type: task.type,
      status: task.status,
      progress: task.status === 'SUCCESS' ? 1 : task.progress,
      mediaUrl,
      expireTime,
      createdAt: task.createdAt,
      updatedAt: task.updatedAt,
      seed: task.seed,
      error: task.error,
      video: task.status === 'SUCCESS' ? task.video : null,
      request: task.request,
    };
  };
}

export type TaskView = ReturnType<typeof createTaskView>;
