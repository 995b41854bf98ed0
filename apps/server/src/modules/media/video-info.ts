/** What the API reports about a produced video (`task.video`), read by ffprobe from the file itself. */
import type { VideoInfo } from '@vidforge/contract';
import { EngineError } from '../../engines/engine.ts';
import { type MediaDescription, probeMedia } from './media-probe.ts';
import type { MediaRunObserver } from './media-process.ts';

export interface DescribeVideoOptions {
  ffprobePath: string;
  timeoutMs: number;
  signal: AbortSignal;
  observe?: MediaRunObserver;
}

/** Fails with OUTPUT_INVALID when the file has no video stream. */
export async function describeVideo(path: string, options: DescribeVideoOptions): Promise<VideoInfo> {
  const description = await probeMedia(path, {
    ffprobePath: options.ffprobePath,
    demuxers: 'mov',
    maxPixels: 8192 * 8192,
    timeoutMs: options.timeoutMs,
    signal: options.signal,
    purpose: 'probe-output',
    observe: options.observe,
  });
  return videoInfoOf(description);
}

/** The same, from a probe already made (an inspected upload). */
export function videoInfoOf(description: MediaDescription): VideoInfo {
  const video = description.video;
  if (!video || video.width === 0) throw new EngineError('OUTPUT_INVALID', 'the produced file has no video stream');
  const frames = video.frameCount;
  const durationSeconds =
    frames !== null && video.fps > 0 ? frames / video.fps : (video.durationSeconds ?? description.durationSeconds ?? 0);
  return {
    width: video.width,
    height: video.height,
    fps: Math.round(video.fps * 1000) / 1000,
    durationSeconds: Math.round(durationSeconds * 1000) / 1000,
    hasAudio: description.audio !== null,
  };
}
