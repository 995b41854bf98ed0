/**
 * A task as an OpenAI `Video` object. Status: PENDING → queued, IN_PROGRESS → in_progress,
 * SUCCESS → completed, FAIL → failed. Progress is the task's fraction as a whole percent (100 only
 * when completed); times are Unix seconds; `expires_at` is the end of the result's retention.
 */
import { type OpenAiVideo, type OpenAiVideoStatus, OUTPUT_SIZES, type TaskStatus } from '@vidforge/contract';
import type { EndpointRecord } from '../../ports/access-store.ts';
import type { TaskRecord } from '../../ports/task-ledger.ts';
import { isFinished } from '../tasks/task-state.ts';
import { modelIdOf } from './models.ts';
import type { VideoOrigin } from './video-origins.ts';

const STATUS: Record<TaskStatus, OpenAiVideoStatus> = {
  PENDING: 'queued',
  IN_PROGRESS: 'in_progress',
  SUCCESS: 'completed',
  FAIL: 'failed',
};

const seconds = (ms: number) => Math.floor(ms / 1000);

/** Seconds as OpenAI writes them: "4", or "4.5" for a length that is not whole. */
export const secondsText = (value: number) => String(Math.round(value * 100) / 100);

export const sizeText = (size: { width: number; height: number }) => `${size.width}x${size.height}`;

function sizeAndSeconds(task: TaskRecord, origin: VideoOrigin | null): { size: string; seconds: string } {
  if (task.status === 'SUCCESS' && task.video) {
    return { size: sizeText(task.video), seconds: secondsText(task.video.durationSeconds) };
  }
  const body = task.request;
  if (task.type === 'generate' && 'settings' in body && 'aspectRatio' in body.settings) {
    return { size: sizeText(OUTPUT_SIZES[body.settings.aspectRatio]), seconds: String(body.settings.duration) };
  }
  // An upscale or extension submitted through the seed API: its size follows from a source not
  // yet read, so it is empty until the result exists.
  return { size: origin?.size ?? '', seconds: origin?.seconds ?? '' };
}

export function toVideoObject(task: TaskRecord, endpoint: EndpointRecord, origin: VideoOrigin | null): OpenAiVideo {
  const finished = isFinished(task.status);
  return {
    id: task.id,
    object: 'video',
    created_at: seconds(task.createdAt),
    completed_at: finished && task.finishedAt !== null ? seconds(task.finishedAt) : null,
    expires_at: task.status === 'SUCCESS' && task.retainUntil !== null ? seconds(task.retainUntil) : null,
    error:
      task.status === 'FAIL' && task.error
        ? { code: task.error.code.toLowerCase(), message: task.error.message }
        : null,
    model: modelIdOf(endpoint),
    progress: task.status === 'SUCCESS' ? 100 : Math.min(99, Math.floor(task.progress * 100)),
    prompt: 'prompt' in task.request ? (task.request.prompt ?? null) : null,
    remixed_from_video_id: origin?.remixedFrom ?? null,
    ...sizeAndSeconds(task, origin),
    status: STATUS[task.status],
  };
}

/**
 * A result the client deleted (DELETE /v1/videos/{id}) rather than one swept after retention: the
 * sweeper only deletes at or after `retainUntil`, a client before it. A failed task has no
 * retention, so any deletion of it was the client's.
 */
export function deletedByClient(task: TaskRecord): boolean {
  if (task.resultDeletedAt === null) return false;
  return task.retainUntil === null || task.resultDeletedAt < task.retainUntil;
}
