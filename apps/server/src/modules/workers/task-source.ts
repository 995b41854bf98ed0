/** Where a task's source media comes from, for in-process workers and for runner claims alike. */
import type { SourceKind } from '../../engines/engine.ts';
import type { TaskRecord } from '../../ports/task-ledger.ts';

/** The caller's source URL and its kind; null for a generate without an image. */
export function sourceOf(task: Pick<TaskRecord, 'request'>): { url: string; kind: SourceKind } | null {
  const config = (task.request as { config?: { sourceImage?: string; sourceVideo?: string } }).config;
  if (config?.sourceVideo) return { url: config.sourceVideo, kind: 'video' };
  if (config?.sourceImage) return { url: config.sourceImage, kind: 'image' };
  return null;
}
