/**
 * Running the real preview engine in tests (real ffmpeg, a temp work directory per run) and
 * looking at what it made with ffprobe and raw frames.
 */
import { execFile } from 'node:child_process';
import { copyFile, mkdtemp, open, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { promisify } from 'node:util';
import type { TaskRequest } from '@vidforge/contract';
import type { EngineOutput, LocalSource, SourceKind } from '../../src/engines/engine.ts';
import { createPreviewEngine } from '../../src/engines/preview/preview-engine.ts';
import { checkFfmpeg } from '../../src/modules/media/ffmpeg-check.ts';
import { parseMediaConfig } from '../../src/modules/media/media.config.ts';

const run = promisify(execFile);

let engine: ReturnType<typeof createPreviewEngine> | undefined;
const workDirs: string[] = [];

/** Removes the work directories of every run so far (call in afterAll). */
export async function removeWorkDirs(): Promise<void> {
  await Promise.all(workDirs.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
}

export async function previewEngine() {
  if (!engine) {
    const media = parseMediaConfig({});
    engine = createPreviewEngine({ ffmpeg: await checkFfmpeg(media), media });
  }
  return engine;
}

export interface RunResult {
  output: EngineOutput;
  progress: number[];
  workDir: string;
  bytes: Buffer;
}

export interface RunOptions {
  seed?: number | null;
  source?: { path: string; kind: SourceKind; contentType: string };
  signal?: AbortSignal;
  /** Called with the work directory as soon as it exists. */
  onWorkDir?: (dir: string) => void;
}

export async function runPreview(request: TaskRequest, options: RunOptions = {}): Promise<RunResult> {
  const workDir = await mkdtemp(join(tmpdir(), 'vidforge-engine-'));
  workDirs.push(workDir);
  options.onWorkDir?.(workDir);
  const progress: number[] = [];
  const output = await (await previewEngine()).run(
    {
      id: 'task',
      request,
      seed: options.seed === undefined ? seedOf(request) : options.seed,
      attempt: 1,
      endpointSettings: {},
      resumeState: null,
    },
    {
      workDir,
      signal: options.signal ?? new AbortController().signal,
      progress: (fraction) => progress.push(fraction),
      checkpoint: async () => {},
      async source(): Promise<LocalSource> {
        if (!options.source) throw new Error('this request has no source');
        // Like the fetcher: the file lands in the work directory under a server-made name.
        const path = join(workDir, `source-${basename(options.source.path)}`);
        await copyFile(options.source.path, path);
        return {
          path,
          kind: options.source.kind,
          contentType: options.source.contentType,
          size: (await stat(path)).size,
        };
      },
    },
  );
  return { output, progress, workDir, bytes: await readFile(output.path) };
}

/** The seed the server would have resolved: the request's own (tests never send -1). */
function seedOf(request: TaskRequest): number | null {
  return request.type === 'upscale' ? null : request.body.settings.seed;
}

export interface Probed {
  codec: string;
  pixFmt: string;
  width: number;
  height: number;
  fps: string;
  frames: number;
  duration: number;
  audio: { codec: string; duration: number } | null;
}

export async function probe(path: string): Promise<Probed> {
  const { stdout } = await run('ffprobe', [
    '-v',
    'error',
    '-print_format',
    'json',
    '-show_streams',
    '-show_format',
    path,
  ]);
  const json = JSON.parse(stdout);
  const video = json.streams.find((s: { codec_type: string }) => s.codec_type === 'video');
  const audio = json.streams.find((s: { codec_type: string }) => s.codec_type === 'audio');
  return {
    codec: video.codec_name,
    pixFmt: video.pix_fmt,
    width: video.width,
    height: video.height,
    fps: video.r_frame_rate,
    frames: Number(video.nb_frames),
    duration: Number(video.duration),
    audio: audio ? { codec: audio.codec_name, duration: Number(audio.duration) } : null,
  };
}

/** Top-level MP4 boxes in order, e.g. ['ftyp', 'moov', 'free', 'mdat']. */
export async function topLevelBoxes(path: string): Promise<string[]> {
  const file = await open(path, 'r');
  try {
    const size = (await file.stat()).size;
    const boxes: string[] = [];
    const header = Buffer.alloc(16);
    for (let position = 0; position + 8 <= size; ) {
      await file.read(header, 0, 16, position);
      let length = header.readUInt32BE(0);
      if (length === 1) length = Number(header.readBigUInt64BE(8));
      if (length === 0) length = size - position;
      boxes.push(header.toString('latin1', 4, 8));
      position += length;
    }
    return boxes;
  } finally {
    await file.close();
  }
}

/** One frame as small grey pixels, for rough picture comparisons. */
export async function grayFrame(
  path: string,
  options: { index?: number; width: number; height: number; filter?: string },
): Promise<Uint8Array> {
  const select = options.index === undefined ? [] : [`select=eq(n\\,${options.index})`];
  const chain = [
    ...(options.filter ? [options.filter] : []),
    ...select,
    `scale=${options.width}:${options.height}`,
    'format=gray',
  ];
  const { stdout } = await run(
    'ffmpeg',
    ['-v', 'error', '-i', path, '-vf', chain.join(','), '-frames:v', '1', '-f', 'rawvideo', '-'],
    { encoding: 'buffer', maxBuffer: 16 * 1024 * 1024 },
  );
  return new Uint8Array(stdout);
}

export function meanAbsDiff(a: Uint8Array, b: Uint8Array): number {
  expectSameLength(a, b);
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += Math.abs(a[i]! - b[i]!);
  return sum / a.length;
}

function expectSameLength(a: Uint8Array, b: Uint8Array) {
  if (a.length !== b.length || a.length === 0) throw new Error(`frame sizes differ: ${a.length} vs ${b.length}`);
}

export const generateRequest = (
  prompt: string,
  settings: { seed?: number; duration?: 2 | 4 | 8; aspectRatio?: '16:9' | '9:16' | '4:3' | '3:4' | '1:1' } = {},
  sourceImage?: string,
): TaskRequest => ({
  type: 'generate',
  body: {
    prompt,
    ...(sourceImage ? { config: { sourceImage } } : {}),
    settings: {
      seed: settings.seed ?? 1,
      duration: settings.duration ?? 2,
      aspectRatio: settings.aspectRatio ?? '16:9',
    },
  },
});
