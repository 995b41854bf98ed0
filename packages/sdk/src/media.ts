/**
 * Opening a task's result for streaming. Media URLs are signed and expire (default 1 h): a URL that
 * has expired, or is about to, or is refused with 403, is replaced by reading the task again,
 * which signs a fresh one. The stream is handed over unread, so nothing is buffered here.
 */
import type { Task } from './contract-types.ts';
import { APIError, ConnectionError, MediaUnavailableError, TaskFailedError } from './errors.ts';
import type { RequestOptions } from './options.ts';
import type { Transport } from './transport.ts';

/** A URL this close to its expiry is refreshed first: the download must start before it lapses. */
const EXPIRY_MARGIN_MS = 5_000;

/** An opened result: the unread body and the task whose URL served it. */
export interface MediaStream {
  /** The task as used for the download (re-read if its URL had to be refreshed). */
  task: Task;
  /** The video bytes, unread. */
  body: ReadableStream<Uint8Array>;
  /** From `Content-Length`, when the server sent it. */
  contentLength: number | undefined;
  /** From `Content-Type`, e.g. `video/mp4`. */
  contentType: string | undefined;
}

/** What a finished download wrote. */
export interface DownloadResult {
  /** The task whose media was downloaded. */
  task: Task;
  /** Bytes written. */
  bytes: number;
}

export interface MediaDeps {
  transport: Transport;
  getTask(taskId: string, options: RequestOptions): Promise<Task>;
}

function isStale(task: Task, now: number): boolean {
  return (
    task.status !== 'SUCCESS' ||
    task.mediaUrl === null ||
    (task.expireTime !== null && task.expireTime - EXPIRY_MARGIN_MS <= now)
  );
}

export async function openMedia(
  deps: MediaDeps,
  taskOrId: Task | string,
  options: RequestOptions,
): Promise<MediaStream> {
  let fresh = typeof taskOrId === 'string';
  let task = typeof taskOrId === 'string' ? await deps.getTask(taskOrId, options) : taskOrId;
  for (;;) {
    if (!fresh && isStale(task, Date.now())) {
      task = await deps.getTask(task.taskId, options);
      fresh = true;
      continue;
    }
    if (task.status === 'FAIL') throw new TaskFailedError(task);
    if (task.status !== 'SUCCESS' || task.mediaUrl === null) {
      throw new MediaUnavailableError('MEDIA_NOT_READY', `Task ${task.taskId} has no media (status ${task.status})`);
    }
    let response: Response;
    try {
      response = await deps.transport.stream({ ...options, method: 'GET', url: task.mediaUrl });
    } catch (error) {
      // 403 is what signed URLs answer once expired (ours with MEDIA_URL_INVALID, S3 with AccessDenied).
      if (!fresh && error instanceof APIError && error.status === 403) {
        task = await deps.getTask(task.taskId, options);
        fresh = true;
        continue;
      }
      throw error;
    }
    if (!response.body) throw new APIError('INVALID_RESPONSE', 'The media response has no body');
    const length = response.headers.get('content-length');
    return {
      task,
      body: response.body,
      contentLength: length === null ? undefined : Number(length),
      contentType: response.headers.get('content-type') ?? undefined,
    };
  }
}

/** Throws if fewer bytes arrived than announced (a connection closed early without an error). */
export function checkLength(media: MediaStream, bytes: number): void {
  if (media.contentLength !== undefined && bytes !== media.contentLength) {
    throw new ConnectionError(
      'CONNECTION_ERROR',
      `Download of task ${media.task.taskId} ended after ${bytes} of ${media.contentLength} bytes`,
    );
  }
}

/** Streams the opened media into a web WritableStream, counting bytes on the way. */
export async function pipeMedia(
  media: MediaStream,
  destination: WritableStream<Uint8Array>,
  signal?: AbortSignal,
): Promise<number> {
  let bytes = 0;
  const counter = new TransformStream<Uint8Array, Uint8Array>({
    transform(chunk, controller) {
      bytes += chunk.byteLength;
      controller.enqueue(chunk);
    },
  });
  await media.body.pipeThrough(counter).pipeTo(destination, signal ? { signal } : {});
  checkLength(media, bytes);
  return bytes;
}
