/**
 * The `preview` engine: honest, deterministic motion graphics made with ffmpeg on the CPU, no AI
 * model. It exercises the whole API (generate with and without an image, upscale, extend) with
 * real, correctly shaped outputs, and the same request always gives the same bytes.
 */
import type { FfmpegInfo } from '../../modules/media/ffmpeg-check.ts';
import type { MediaConfig } from '../../modules/media/media.config.ts';
import type { Engine, EngineContext, EngineOutput, EngineTask } from '../engine.ts';
import { describeOutput, type EncodeEnv } from './encode.ts';
import { extend } from './extend.ts';
import { generate } from './generate.ts';
import { upscale } from './upscale.ts';

export interface PreviewEngineOptions {
  /** What the boot check found (`checkFfmpeg`). */
  ffmpeg: FfmpegInfo;
  media: MediaConfig;
}

export function createPreviewEngine(options: PreviewEngineOptions): Engine {
  const env: EncodeEnv = { ffmpeg: options.ffmpeg, media: options.media };
  return {
    name: 'preview',
    async run(task: EngineTask, context: EngineContext): Promise<EngineOutput> {
      const { request } = task;
      let path: string;
      if (request.type === 'generate') path = await generate(env, task, request.body, context);
      else if (request.type === 'upscale') path = await upscale(env, context);
      else path = await extend(env, task, request.body, context);
      context.progress(0.97, 'checking the result');
      const video = await describeOutput(env, path, context.signal);
      return { path, contentType: 'video/mp4', video };
    },
  };
}
