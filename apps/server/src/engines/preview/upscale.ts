/**
 * upscale: twice the width and height with Lanczos and a mild unsharp mask; frame timing, duration
 * and audio are kept. Sources above 1920 px on the long side are refused (CONTRACT.md Part B), so
 * the output never exceeds 3840.
 */
import { join } from 'node:path';
import { type EngineContext, EngineError } from '../engine.ts';
import { AAC_OUTPUT_ARGS, type EncodeEnv, h264OutputArgs, OUTPUT_FILE, runFfmpeg } from './encode.ts';
import { loadSourceVideo } from './source-video.ts';

export const UPSCALE_MAX_SOURCE_SIDE = 1920;
export const UPSCALE_MAX_OUTPUT_SIDE = 3840;

/** 2×, capped at 3840 on the long side, rounded to even sizes (yuv420p needs them). */
export function upscaledSize(width: number, height: number): { width: number; height: number } {
  const factor = Math.min(2, UPSCALE_MAX_OUTPUT_SIDE / Math.max(width, height));
  const even = (n: number) => Math.max(2, Math.round((n * factor) / 2) * 2);
  return { width: even(width), height: even(height) };
}

export async function upscale(env: EncodeEnv, context: EngineContext): Promise<string> {
  const source = await loadSourceVideo(env, context);
  const longSide = Math.max(source.width, source.height);
  if (longSide > UPSCALE_MAX_SOURCE_SIDE) {
    throw new EngineError(
      'SOURCE_TOO_LARGE',
      `upscale needs a source of at most ${UPSCALE_MAX_SOURCE_SIDE} px on the long side; this one is ` +
        `${source.width}×${source.height}`,
    );
  }
  const out = upscaledSize(source.width, source.height);
  const audio = source.description.audio;
  const audioArgs = audio ? ['-map', '0:a:0', ...(audio.codec === 'aac' ? ['-c:a', 'copy'] : AAC_OUTPUT_ARGS)] : [];
  // x264 at 4K runs at a few frames per second on two cores with `veryfast`; `superfast` keeps a
  // 60 s 1080p source within the ffmpeg timeout.
  const preset = out.width * out.height > 1920 * 1080 ? 'superfast' : 'veryfast';
  await runFfmpeg(
    env,
    [
      ...source.inputArgs,
      ...[
        '-map',
        '0:v:0',
        '-vf',
        `scale=${out.width}:${out.height}:flags=lanczos,unsharp=5:5:0.6:5:5:0,format=yuv420p`,
      ],
      // Keep every source timestamp: the frame rate (even a variable one) and duration stay as they were.
      ...['-fps_mode', 'passthrough'],
      ...audioArgs,
      ...h264OutputArgs(env.media.ffmpegThreads, preset),
      OUTPUT_FILE,
    ],
    {
      workDir: context.workDir,
      signal: context.signal,
      totalFrames: source.frames,
      progressRange: [0.05, 0.95],
      progress: context.progress,
      stage: 'upscaling',
    },
  );
  return join(context.workDir, OUTPUT_FILE);
}
