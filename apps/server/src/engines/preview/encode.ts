/**
 * Running ffmpeg for the preview engine: the common global options, the H.264 output settings that
 * make results streamable and byte-for-byte reproducible, progress mapped onto the task, and
 * failures turned into EngineErrors.
 */
import type { VideoInfo } from '@vidforge/contract';
import type { FfmpegInfo } from '../../modules/media/ffmpeg-check.ts';
import type { MediaConfig } from '../../modules/media/media.config.ts';
import { MAX_ALLOC_BYTES } from '../../modules/media/media-probe.ts';
import { MediaProcessError, runMediaProcess } from '../../modules/media/media-process.ts';
import { describeVideo } from '../../modules/media/video-info.ts';
import { EngineError } from '../engine.ts';

export interface EncodeEnv {
  ffmpeg: FfmpegInfo;
  media: MediaConfig;
}

export const OUTPUT_FPS = 24;
export const OUTPUT_FILE = 'output.mp4';

/**
 * H.264 yuv420p MP4 with the moov atom first. Reproducibility: a fixed encoder thread count (x264's
 * output depends on it), `bitexact` flags so no version strings or timestamps vary, and no
 * metadata or chapters carried over from a source.
 */
export function h264OutputArgs(threads: number, preset = 'veryfast'): string[] {
  return [
    ...['-c:v', 'libx264', '-preset', preset, '-crf', '20', '-pix_fmt', 'yuv420p', '-profile:v', 'high'],
    ...['-threads', String(threads), '-flags:v', '+bitexact'],
    ...['-map_metadata', '-1', '-map_chapters', '-1', '-fflags', '+bitexact', '-movflags', '+faststart'],
    ...['-f', 'mp4'],
  ];
}

export const AAC_OUTPUT_ARGS = ['-c:a', 'aac', '-b:a', '160k', '-flags:a', '+bitexact'];

export interface RunFfmpegOptions {
  workDir: string;
  signal: AbortSignal;
  /** Frames the output will have, for progress. */
  totalFrames: number;
  /** Maps ffmpeg's fraction done onto the task's progress, e.g. [0.05, 0.95]. */
  progressRange: [number, number];
  progress(fraction: number, stage?: string): void;
  stage: string;
}

export async function runFfmpeg(env: EncodeEnv, args: string[], options: RunFfmpegOptions): Promise<void> {
  const [from, to] = options.progressRange;
  const report = (done: number) => {
    const fraction = Math.min(1, Math.max(0, done / options.totalFrames));
    options.progress(from + (to - from) * fraction, options.stage);
  };
  const fullArgs = [
    ...['-hide_banner', '-nostdin', '-nostats', '-loglevel', 'error', '-y'],
    ...['-max_alloc', String(MAX_ALLOC_BYTES), '-progress', 'pipe:1'],
    ...args,
  ];
  try {
    await runMediaProcess(env.ffmpeg.ffmpegPath, fullArgs, {
      cwd: options.workDir,
      signal: options.signal,
      timeoutMs: env.media.ffmpegTimeoutMs,
      purpose: 'encode',
      observe: env.ffmpeg.observe,
      onProgress: (p) => {
        if (p.frame !== null) report(p.frame);
        else if (p.outTimeUs !== null) report((p.outTimeUs / 1e6) * OUTPUT_FPS);
      },
    });
  } catch (error) {
    if (options.signal.aborted) throw options.signal.reason;
    if (!(error instanceof MediaProcessError) || error.failure === 'spawn') throw error;
    if (error.failure === 'timeout') {
      throw new EngineError(
        'ENGINE_FAILED',
        `${options.stage} took longer than ${Math.round(env.media.ffmpegTimeoutMs / 1000)} s`,
        { cause: error },
      );
    }
    throw new EngineError('ENGINE_FAILED', `ffmpeg failed while ${options.stage} (exit code ${error.exitCode})`, {
      cause: error,
    });
  }
}

/** The produced file's properties, as the task reports them. */
export function describeOutput(env: EncodeEnv, path: string, signal: AbortSignal): Promise<VideoInfo> {
  return describeVideo(path, {
    ffprobePath: env.ffmpeg.ffprobePath,
    timeoutMs: env.media.ffprobeTimeoutMs,
    signal,
    observe: env.ffmpeg.observe,
  });
}
