/** Formatting of task data for display; pure functions (unit-tested without a browser). */
import { noRunnerWarning, queuePlace, type Task, type TaskStatus } from '@vidforge/sdk';

export const STATUS_LABELS: Record<TaskStatus, string> = {
  PENDING: 'Queued',
  IN_PROGRESS: 'Running',
  SUCCESS: 'Finished',
  FAIL: 'Failed',
};

export function isActive(task: Pick<Task, 'status'>): boolean {
  return task.status === 'PENDING' || task.status === 'IN_PROGRESS';
}

/**
 * Where a PENDING task waits (docs/api.md#queue), in the SDK's words, capitalised: its place in
 * line, and a warning when no runner that could take it is online (it would otherwise wait silently
 * until its deadline). Nulls when the task does not say (not PENDING, or a server without the field).
 */
export function describeQueue(task: Pick<Task, 'status' | 'queue'>): { place: string | null; warning: string | null } {
  const place = queuePlace(task);
  const warning = noRunnerWarning(task);
  return { place: place && sentenceCase(place), warning: warning && `${sentenceCase(warning)}.` };
}

const sentenceCase = (text: string) => `${text.charAt(0).toUpperCase()}${text.slice(1)}`;

/** 7 → "0:07", 3725 → "1:02:05". */
export function formatDuration(ms: number): string {
  const total = Math.max(0, Math.floor(ms / 1000));
  const s = total % 60;
  const m = Math.floor(total / 60) % 60;
  const hours = Math.floor(total / 3600);
  const pad = (n: number) => String(n).padStart(2, '0');
  return hours > 0 ? `${hours}:${pad(m)}:${pad(s)}` : `${m}:${pad(s)}`;
}

/** Time since submission: until now while running, until the last update once finished. */
export function elapsedMs(task: Pick<Task, 'status' | 'createdAt' | 'updatedAt'>, now: number): number {
  return (isActive(task) ? now : task.updatedAt) - task.createdAt;
}

export function percent(progress: number): number {
  return Math.round(Math.min(1, Math.max(0, progress)) * 100);
}

/** "1280×720 · 2 s · 24 fps" */
export function describeVideo(video: NonNullable<Task['video']>): string {
  const seconds = Number.isInteger(video.durationSeconds) ? video.durationSeconds : video.durationSeconds.toFixed(2);
  const fps = Number.isInteger(video.fps) ? video.fps : video.fps.toFixed(2);
  return `${video.width}×${video.height} · ${seconds} s · ${fps} fps${video.hasAudio ? ' · audio' : ''}`;
}

const PARAM_LABELS: Record<string, string> = {
  prompt: 'Prompt',
  negativePrompt: 'Negative prompt',
  'config.sourceImage': 'Source image',
  'config.sourceVideo': 'Source video',
  'config.extendDuration': 'Extend by',
  'settings.seed': 'Seed',
  'settings.duration': 'Duration',
  'settings.aspectRatio': 'Aspect ratio',
  'settings.guidanceScale': 'Guidance scale',
};

const UNITS: Record<string, string> = { 'config.extendDuration': ' s', 'settings.duration': ' s' };

/** The request a task was made with, flattened to labelled rows in the contract's field order. */
export function describeRequest(request: unknown): { path: string; label: string; value: string }[] {
  const rows: { path: string; label: string; value: string }[] = [];
  const walk = (value: unknown, path: string) => {
    if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
      for (const [key, inner] of Object.entries(value)) walk(inner, path ? `${path}.${key}` : key);
    } else if (value !== undefined) {
      rows.push({ path, label: PARAM_LABELS[path] ?? path, value: `${String(value)}${UNITS[path] ?? ''}` });
    }
  };
  walk(request, '');
  return rows;
}

/**
 * The last part of a task id is enough to tell tasks apart on screen. Not the first: a task id
 * begins with its creation time (docs/api.md), the same for tasks made within a second.
 */
export function shortId(taskId: string): string {
  return taskId.slice(-8);
}

export function clockTime(epochMs: number): string {
  const date = new Date(epochMs);
  const sameDay = new Date().toDateString() === date.toDateString();
  return sameDay
    ? date.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', second: '2-digit' })
    : date.toLocaleString([], { dateStyle: 'short', timeStyle: 'short' });
}

/** 1 234 567 → "1.2 MB": file sizes as people read them (decimal units, as file managers show). */
export function formatBytes(bytes: number): string {
  if (bytes < 1000) return `${bytes} B`;
  const units = ['kB', 'MB', 'GB'];
  let value = bytes / 1000;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit++;
  }
  return `${value < 10 ? value.toFixed(1) : Math.round(value)} ${units[unit]}`;
}

/** What an upscale or extend was made from, told without showing a signed URL. */
export type SourceRef =
  | { kind: 'task'; taskId: string }
  | { kind: 'upload' }
  | { kind: 'url'; label: string }
  | { kind: 'none' };

/** Media URL paths that name their task: this server's `/v1/media/{taskId}.mp4`, and S3 keys. */
const RESULT_PATHS = [/^\/v1\/media\/([\w-]+)\.mp4$/, /\/results\/([\w-]+)(?:\/\d+)?\.mp4$/];

export function describeSource(task: Pick<Task, 'request'>): SourceRef {
  const config = (task.request as { config?: { sourceVideo?: string; sourceImage?: string } }).config;
  const source = config?.sourceVideo ?? config?.sourceImage;
  if (!source) return { kind: 'none' };
  let url: URL;
  try {
    url = new URL(source);
  } catch {
    return { kind: 'url', label: source };
  }
  for (const pattern of RESULT_PATHS) {
    const taskId = pattern.exec(url.pathname)?.[1];
    if (taskId) return { kind: 'task', taskId };
  }
  if (url.pathname.startsWith('/v1/videos/uploads/')) return { kind: 'upload' };
  const file = url.pathname.split('/').filter(Boolean).at(-1);
  return { kind: 'url', label: file ? `${url.host}/…/${decodeURIComponent(file)}` : url.host };
}

/**
 * A media URL of this server (`/v1/media/…`) on the page's own origin: the server signs the path,
 * not the host, and a page opened as `localhost` gets URLs made for `127.0.0.1` (or the public
 * URL), which the browser treats as another site: a download link there would navigate away from
 * the console (and sign the user out) instead of saving the file. Other URLs (S3) are kept.
 */
export function onPageOrigin(mediaUrl: string, pageOrigin: string): string {
  try {
    const url = new URL(mediaUrl);
    if (!url.pathname.startsWith('/v1/media/')) return mediaUrl;
    return `${pageOrigin}${url.pathname}${url.search}`;
  } catch {
    return mediaUrl;
  }
}
