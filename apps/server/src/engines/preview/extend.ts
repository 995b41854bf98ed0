/**
 * extend: the whole source, then `extendDuration` seconds that continue from its last frame with a
 * seeded slow zoom and drift (and the prompt as a caption), at the source's size and frame rate.
 * Audio, when the source has it, is padded with silence to the new length.
 *
 * One ffmpeg pass: the source is normalised to a constant rate, `tpad` clones its last frame past
 * the end, and `zoompan` leaves source frames untouched (zoom 1 is an exact copy) and moves only on
 * the cloned ones, starting at zoom 1 so the seam is invisible.
 */
import { join } from 'node:path';
import type { ExtendRequest } from '@vidforge/contract';
import type { EngineContext, EngineTask } from '../engine.ts';
import { prepareCaption } from './caption.ts';
import { AAC_OUTPUT_ARGS, type EncodeEnv, h264OutputArgs, OUTPUT_FILE, runFfmpeg } from './encode.ts';
import { seededRandom } from './seeded-random.ts';
import { loadSourceVideo } from './source-video.ts';

const STYLE_VERSION = 'preview-extend-v1';

export async function extend(
  env: EncodeEnv,
  task: EngineTask,
  body: ExtendRequest,
  context: EngineContext,
): Promise<string> {
  const source = await loadSourceVideo(env, context);
  const seconds = body.config.extendDuration;
  const extraFrames = Math.round(seconds * source.fps);
  const totalFrames = source.frames + extraFrames;
  const start = source.frames / source.fps; // time of the first new frame
  const total = totalFrames / source.fps;
  const size = { width: evenDown(source.width), height: evenDown(source.height) };

  const random = seededRandom(STYLE_VERSION, task.seed ?? 0, body.prompt ?? '');
  const zoom = (1 + random.range(0.06, 0.18)).toFixed(3);
  const [px, py] = [random.next().toFixed(3), random.next().toFixed(3)];
  // Progress through the new part, 0 on its first frame, eased.
  const p = `clip((it-${start.toFixed(6)})/${seconds},0,1)`;
  const ease = `(3*pow(${p},2)-2*pow(${p},3))`;
  const caption = body.prompt
    ? await prepareCaption(context.workDir, body.prompt, env.ffmpeg.fontFile, size, { fadeInFrom: start })
    : null;
  const video = [
    `[0:v]fps=${source.fpsRational}`,
    `scale=${size.width}:${size.height}:flags=bicubic`,
    'setsar=1',
    'format=yuv420p',
    `tpad=stop_mode=clone:stop_duration=${seconds + 1}`,
    `zoompan=z='1+(${zoom}-1)*${ease}':x='(iw-iw/zoom)*${px}':y='(ih-ih/zoom)*${py}'` +
      `:d=1:s=${size.width}x${size.height}:fps=${source.fpsRational}`,
    ...(caption ? [caption] : []),
    'format=yuv420p[v]',
  ].join(',');
  const hasAudio = source.description.audio !== null;
  const audio = hasAudio ? `;[0:a:0]apad=whole_dur=${total.toFixed(6)},atrim=end=${total.toFixed(6)}[a]` : '';
  await runFfmpeg(
    env,
    [
      ...source.inputArgs,
      ...[
        '-filter_complex',
        `${video}${audio}`,
        '-map',
        '[v]',
        ...(hasAudio ? ['-map', '[a]', ...AAC_OUTPUT_ARGS] : []),
      ],
      ...['-frames:v', String(totalFrames), '-r', source.fpsRational],
      ...h264OutputArgs(env.media.ffmpegThreads),
      OUTPUT_FILE,
    ],
    {
      workDir: context.workDir,
      signal: context.signal,
      totalFrames,
      progressRange: [0.05, 0.95],
      progress: context.progress,
      stage: 'extending',
    },
  );
  return join(context.workDir, OUTPUT_FILE);
}

/** yuv420p needs even sizes: an odd source loses one pixel row or column. */
function evenDown(n: number): number {
  return Math.max(2, Math.floor(n / 2) * 2);
}
