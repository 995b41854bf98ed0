/**
 * generate: a seeded animated scene with the prompt as caption, or, with a source image, the image
 * cropped to the requested ratio as the first frame, then a slow seeded zoom and pan.
 */
import { join } from 'node:path';
import { type GenerateRequest, OUTPUT_SIZES } from '@vidforge/contract';
import { maxPixelsFor } from '../../modules/media/media-inspect.ts';
import { untrustedInputArgs } from '../../modules/media/media-probe.ts';
import { mediaTypeForContentType } from '../../modules/media/media-type.ts';
import { type EngineContext, EngineError, type EngineTask } from '../engine.ts';
import { prepareCaption } from './caption.ts';
import { type EncodeEnv, h264OutputArgs, OUTPUT_FILE, OUTPUT_FPS, runFfmpeg } from './encode.ts';
import { buildScene } from './scene.ts';
import { type SeededRandom, seededRandom } from './seeded-random.ts';

/** Bump when the look changes on purpose: same request, same bytes holds per version. */
const STYLE_VERSION = 'preview-v1';

export async function generate(
  env: EncodeEnv,
  task: EngineTask,
  body: GenerateRequest,
  context: EngineContext,
): Promise<string> {
  const size = OUTPUT_SIZES[body.settings.aspectRatio];
  const frames = body.settings.duration * OUTPUT_FPS;
  const random = seededRandom(STYLE_VERSION, task.seed ?? 0, body.prompt);
  const withImage = body.config?.sourceImage !== undefined;
  let inputArgs: string[] = [];
  let picture: string;
  if (withImage) {
    context.progress(0.01, 'fetching the source image');
    const source = await context.source();
    const type = mediaTypeForContentType(source.contentType);
    if (type?.kind !== 'image') {
      throw new EngineError('SOURCE_UNSUPPORTED', 'the source image must be JPEG, PNG or WebP');
    }
    inputArgs = [...untrustedInputArgs(type.demuxers, maxPixelsFor('image', env.media)), '-i', source.path];
    picture = `[0:v]${imageMotion(random, size, frames)}`;
  } else {
    picture = buildScene(random, { ...size, fps: OUTPUT_FPS, frames }).chain;
  }
  // With an image the caption fades in after half a second: the first frame stays the image.
  const caption = await prepareCaption(context.workDir, body.prompt, env.ffmpeg.fontFile, size, {
    fadeInFrom: withImage ? 0.5 : 0,
  });
  const graph = `${picture}${caption ? `,${caption}` : ''},format=yuv420p,setsar=1[v]`;
  await runFfmpeg(
    env,
    [
      ...inputArgs,
      ...['-filter_complex', graph, '-map', '[v]', '-frames:v', String(frames), '-r', String(OUTPUT_FPS)],
      ...h264OutputArgs(env.media.ffmpegThreads),
      OUTPUT_FILE,
    ],
    {
      workDir: context.workDir,
      signal: context.signal,
      totalFrames: frames,
      progressRange: [withImage ? 0.1 : 0.02, 0.95],
      progress: context.progress,
      stage: withImage ? 'animating the image' : 'rendering the scene',
    },
  );
  return join(context.workDir, OUTPUT_FILE);
}

/**
 * Cover-crop to the output ratio at twice the output size (zoompan rounds its window to whole
 * pixels; working at 2× halves the visible jitter), then zoom from 1 (the whole crop, so the first
 * frame is the image) towards a seeded point with an ease-in-out curve.
 */
function imageMotion(random: SeededRandom, size: { width: number; height: number }, frames: number): string {
  const [w2, h2] = [size.width * 2, size.height * 2];
  const zoom = (1 + random.range(0.08, 0.22)).toFixed(3);
  const [x0, x1, y0, y1] = [random.next(), random.next(), random.next(), random.next()].map((v) => v.toFixed(3));
  const last = Math.max(1, frames - 1);
  const ease = `(3*pow(on/${last},2)-2*pow(on/${last},3))`;
  return [
    `scale=${w2}:${h2}:force_original_aspect_ratio=increase:flags=lanczos`,
    `crop=${w2}:${h2}`,
    'setsar=1',
    'format=yuv420p',
    `zoompan=z='1+(${zoom}-1)*${ease}'` +
      `:x='(iw-iw/zoom)*(${x0}+(${x1}-${x0})*on/${last})'` +
      `:y='(ih-ih/zoom)*(${y0}+(${y1}-${y0})*on/${last})'` +
      `:d=${frames}:s=${size.width}x${size.height}:fps=${OUTPUT_FPS}`,
  ].join(',');
}
