/**
 * The acceptance policy for a downloaded source: header-level checks before any decoder runs,
 * then ffprobe (locked to the sniffed demuxer) and the limits of CONTRACT.md Part B. Every refusal
 * is a deterministic, non-retryable EngineError that tells the caller what to change.
 */
import { EngineError } from '../../engines/engine.ts';
import { readImageDimensions } from './image-header.ts';
import type { MediaConfig } from './media.config.ts';
import { type MediaDescription, probeMedia } from './media-probe.ts';
import { MediaProcessError, type MediaRunObserver } from './media-process.ts';
import type { MediaType } from './media-type.ts';

/** Mastodon's production cap; nothing a camera records goes above it. */
const MAX_FPS = 120;
const MAX_STREAMS = 8;

export type MediaLimitsConfig = Pick<
  MediaConfig,
  'imageMaxSide' | 'videoMaxSeconds' | 'videoMaxSide' | 'ffprobePath' | 'ffprobeTimeoutMs'
>;

const invalid = (message: string, cause?: unknown) =>
  new EngineError('SOURCE_INVALID', message, { retryable: false, cause });
const tooLarge = (message: string) => new EngineError('SOURCE_TOO_LARGE', message, { retryable: false });

export function maxPixelsFor(kind: 'image' | 'video', config: Pick<MediaConfig, 'imageMaxSide' | 'videoMaxSide'>) {
  const side = kind === 'image' ? config.imageMaxSide : config.videoMaxSide;
  return side * side;
}

export async function inspectMedia(
  path: string,
  type: MediaType,
  config: MediaLimitsConfig,
  signal?: AbortSignal,
  observe?: MediaRunObserver,
): Promise<MediaDescription> {
  if (type.kind === 'image') {
    const declared = await readImageDimensions(path, type.format);
    if (!declared || declared.width === 0 || declared.height === 0) {
      throw invalid(`the source ${type.format.toUpperCase()} image has a damaged header`);
    }
    checkSides('image', declared.width, declared.height, config.imageMaxSide);
  }
  let description: MediaDescription;
  try {
    description = await probeMedia(path, {
      ffprobePath: config.ffprobePath,
      demuxers: type.demuxers,
      maxPixels: maxPixelsFor(type.kind, config),
      timeoutMs: config.ffprobeTimeoutMs,
      signal,
      purpose: 'probe-source',
      observe,
    });
  } catch (error) {
    if (!(error instanceof MediaProcessError)) throw error;
    if (error.failure === 'spawn') throw error; // an installation problem, not the caller's media
    if (error.stderrTail.includes('exceeds specified max pixel count')) {
      throw tooLarge(`the source picture is larger than ${maxPixelsFor(type.kind, config)} pixels`);
    }
    throw invalid(`the source is not a readable ${type.format.toUpperCase()} file (damaged or truncated)`, error);
  }
  const video = description.video;
  if (!video || description.videoStreamCount === 0) throw invalid('the source has no picture');
  if (description.streamCount > MAX_STREAMS) {
    throw new EngineError(
      'SOURCE_UNSUPPORTED',
      `the source has ${description.streamCount} streams; at most ${MAX_STREAMS}`,
    );
  }
  // With -max_pixels, an oversized picture is reported as 0×0 instead of failing (reference §2.3).
  if (video.width === 0 || video.height === 0) {
    throw tooLarge(`the source picture is larger than ${maxPixelsFor(type.kind, config)} pixels`);
  }
  if (type.kind === 'image') return description;

  checkSides('video', video.width, video.height, config.videoMaxSide);
  if (description.videoStreamCount > 1) {
    throw new EngineError('SOURCE_UNSUPPORTED', 'the source video has more than one video stream');
  }
  const duration = description.durationSeconds;
  if (duration === null) throw invalid('the source video has no known duration');
  if (duration > config.videoMaxSeconds + 0.05) {
    throw tooLarge(`the source video lasts ${duration.toFixed(1)} s; at most ${config.videoMaxSeconds} s`);
  }
  if (video.fps < 1 || video.fps > MAX_FPS) {
    throw new EngineError('SOURCE_UNSUPPORTED', `the source frame rate must be between 1 and ${MAX_FPS} fps`);
  }
  return description;
}

function checkSides(kind: string, width: number, height: number, maxSide: number): void {
  if (width > maxSide || height > maxSide) {
    throw tooLarge(`the source ${kind} is ${width}×${height} px; at most ${maxSide} px a side`);
  }
}
