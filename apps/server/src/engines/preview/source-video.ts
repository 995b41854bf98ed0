/**
 * The fetched source video of upscale and extend, probed again locally (the fetcher already
 * accepted it; this gets the numbers the filter graphs need) with the same input locks.
 */
import { maxPixelsFor } from '../../modules/media/media-inspect.ts';
import { type MediaDescription, probeMedia, untrustedInputArgs } from '../../modules/media/media-probe.ts';
import { mediaTypeForContentType } from '../../modules/media/media-type.ts';
import { type EngineContext, EngineError } from '../engine.ts';
import type { EncodeEnv } from './encode.ts';

export interface SourceVideo {
  path: string;
  description: MediaDescription;
  /** Input options (locks, forced demuxer) and `-i path`. */
  inputArgs: string[];
  /** Display size (after rotation). */
  width: number;
  height: number;
  fpsRational: string;
  fps: number;
  durationSeconds: number;
  /** Frames the source yields at `fps` over its duration. */
  frames: number;
}

export async function loadSourceVideo(env: EncodeEnv, context: EngineContext): Promise<SourceVideo> {
  context.progress(0.01, 'fetching the source video');
  const source = await context.source();
  const type = mediaTypeForContentType(source.contentType);
  if (type?.kind !== 'video') {
    throw new EngineError('SOURCE_UNSUPPORTED', 'the source video must be MP4, MOV, WebM or Matroska');
  }
  const maxPixels = maxPixelsFor('video', env.media);
  const description = await probeMedia(source.path, {
    ffprobePath: env.ffmpeg.ffprobePath,
    demuxers: type.demuxers,
    maxPixels,
    timeoutMs: env.media.ffprobeTimeoutMs,
    signal: context.signal,
    purpose: 'probe-source',
    observe: env.ffmpeg.observe,
  });
  const video = description.video;
  const durationSeconds = video?.durationSeconds ?? description.durationSeconds;
  if (!video || video.width === 0 || video.fps <= 0 || !durationSeconds) {
    throw new EngineError('SOURCE_INVALID', 'the source video has no readable picture, frame rate or duration');
  }
  const estimated = Math.round(durationSeconds * video.fps);
  // nb_frames is exact for constant-rate files; trust it only when it agrees with the duration.
  const frames =
    video.frameCount !== null && Math.abs(video.frameCount - estimated) <= 2
      ? video.frameCount
      : Math.max(1, estimated);
  return {
    path: source.path,
    description,
    inputArgs: [...untrustedInputArgs(type.demuxers, maxPixels), '-i', source.path],
    width: video.displayWidth,
    height: video.displayHeight,
    fpsRational: video.fpsRational,
    fps: video.fps,
    durationSeconds,
    frames,
  };
}
