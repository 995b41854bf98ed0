/**
 * Receiving a runner's result. The upload is untrusted like any source: it is streamed to disk
 * within the size limit, must be MP4 by its bytes, and must pass the same inspection as a source
 * video before ffprobe describes it for the client.
 */
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { VideoInfo } from '@vidforge/contract';
import { EngineError } from '../../engines/engine.ts';
import { ApiError } from '../../http/api-error.ts';
import type { MediaConfig } from '../media/media.config.ts';
import { partPathIn, receiveSource } from '../media/source-file.ts';
import { videoInfoOf } from '../media/video-info.ts';

export interface ReceivedOutput {
  /** The checked file; the caller removes `dir` when done with it. */
  path: string;
  dir: string;
  size: number;
  video: VideoInfo;
}

export async function receiveOutput(
  body: AsyncIterable<Uint8Array> & { destroy(): void; on(event: 'error', listener: () => void): unknown },
  options: { dir: string; maxBytes: number; media: MediaConfig; signal: AbortSignal },
): Promise<ReceivedOutput> {
  const { dir, media, signal } = options;
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
  try {
    const file = await receiveSource(body, {
      dir,
      partPath: partPathIn(dir),
      kind: 'video',
      maxBytes: options.maxBytes,
      config: media,
      signal,
    });
    if (file.contentType !== 'video/mp4') {
      throw new ApiError('OUTPUT_INVALID', `The upload must be an MP4 video; its bytes are ${file.contentType}`);
    }
    // The inspection has probed the file already; its description is the client's `video`.
    const video = videoInfoOf(file.description);
    return { path: file.path, dir, size: file.size, video };
  } catch (error) {
    await rm(dir, { recursive: true, force: true });
    throw asUploadError(error, options.maxBytes);
  }
}

/** The media checks speak of "the source"; a runner needs to hear about its upload. */
function asUploadError(error: unknown, maxBytes: number): unknown {
  if (!(error instanceof EngineError)) return error;
  if (error.code === 'SOURCE_TOO_LARGE') {
    return new ApiError('PAYLOAD_TOO_LARGE', `The upload is larger than the limit of ${maxBytes} bytes`);
  }
  return new ApiError(
    'OUTPUT_INVALID',
    `The upload is not an acceptable video: ${error.message.replace(/^the source/, 'the upload')}`,
  );
}

export const uploadDirOf = (workRoot: string, taskId: string, attempt: number) =>
  join(workRoot, `${taskId}-${attempt}-upload`);
