/**
 * The `thumbnail` and `spritesheet` variants of GET /v1/videos/{id}/content: made once per result
 * with ffmpeg (a child process with the media module's time limit) and stored beside the result in
 * the blob store (result-key.ts), so every later request, on any replica, serves the stored file.
 * Concurrent first requests in one process share one ffmpeg run; across processes two runs write
 * the same bytes to the same key, which the store replaces atomically.
 */

import { createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { VideoInfo } from '@vidforge/contract';
import type { BlobStore } from '../../ports/blob-store.ts';
import type { FfmpegInfo } from '../media/ffmpeg-check.ts';
import type { MediaConfig } from '../media/media.config.ts';
import { maxPixelsFor } from '../media/media-inspect.ts';
import { MAX_ALLOC_BYTES, untrustedInputArgs } from '../media/media-probe.ts';
import { runMediaProcess } from '../media/media-process.ts';
import { assetKeyOf, RESULT_ASSETS } from '../results/result-key.ts';

export type PreviewVariant = 'thumbnail' | 'spritesheet';

/** Frames of the spritesheet: a 5×2 grid of 160 px wide tiles, spread evenly over the video. */
const TILE_COLUMNS = 5;
const TILE_ROWS = 2;
const TILE_WIDTH = 160;
/** The thumbnail's longest side, in pixels. */
const THUMBNAIL_MAX_SIDE = 640;

export interface PreviewsDeps {
  blobs: Pick<BlobStore, 'read' | 'stat' | 'putFile'>;
  ffmpeg: FfmpegInfo;
  media: MediaConfig;
  /** Temporary directories go here. */
  workRoot: string;
}

export interface StoredPreview {
  key: string;
  contentType: string;
}

function filterFor(variant: PreviewVariant, video: VideoInfo): string[] {
  if (variant === 'thumbnail') {
    // The middle frame shows the video better than its first, which may be the input image.
    const at = Math.max(0, video.durationSeconds / 2);
    const scale = `scale='min(${THUMBNAIL_MAX_SIDE},iw)':'min(${THUMBNAIL_MAX_SIDE},ih)':force_original_aspect_ratio=decrease`;
    return ['-ss', at.toFixed(3), '-vf', scale, '-frames:v', '1', '-c:v', 'libwebp', '-quality', '80', '-f', 'webp'];
  }
  const tiles = TILE_COLUMNS * TILE_ROWS;
  const rate = (tiles / Math.max(video.durationSeconds, 0.1)).toFixed(6);
  return [
    ...['-vf', `fps=${rate},scale=${TILE_WIDTH}:-2,tile=${TILE_COLUMNS}x${TILE_ROWS}`],
    ...['-frames:v', '1', '-q:v', '4', '-f', 'mjpeg'],
  ];
}

export function createPreviews(deps: PreviewsDeps) {
  const inFlight = new Map<string, Promise<StoredPreview>>();

  async function make(outputKey: string, variant: PreviewVariant, video: VideoInfo, key: string) {
    const dir = await mkdtemp(join(deps.workRoot, 'preview-'));
    try {
      const source = await deps.blobs.read(outputKey);
      if (!source) throw new Error(`result ${outputKey} is missing from the blob store`);
      const input = join(dir, 'result.mp4');
      await pipeline(source, createWriteStream(input));
      const output = join(dir, `preview.${RESULT_ASSETS[variant].suffix.split('.').at(-1)}`);
      // Our own result, but still decoded with the limits of untrusted input: it may be a runner's.
      const args = [
        ...['-hide_banner', '-nostdin', '-loglevel', 'error', '-y', '-max_alloc', String(MAX_ALLOC_BYTES)],
        ...untrustedInputArgs('mov', maxPixelsFor('video', deps.media)),
        ...['-i', input, '-an', ...filterFor(variant, video), output],
      ];
      await runMediaProcess(deps.ffmpeg.ffmpegPath, args, {
        timeoutMs: deps.media.ffmpegTimeoutMs,
        cwd: dir,
        purpose: 'preview',
        observe: deps.ffmpeg.observe,
      });
      await deps.blobs.putFile(key, output, RESULT_ASSETS[variant].contentType);
      return { key, contentType: RESULT_ASSETS[variant].contentType };
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }

  return {
    /** The stored preview of the result at `outputKey`, made now if it does not exist yet. */
    async ensure(outputKey: string, variant: PreviewVariant, video: VideoInfo): Promise<StoredPreview> {
      const key = assetKeyOf(outputKey, variant);
      if (await deps.blobs.stat(key)) return { key, contentType: RESULT_ASSETS[variant].contentType };
      let running = inFlight.get(key);
      if (!running) {
        running = make(outputKey, variant, video, key).finally(() => inFlight.delete(key));
        inFlight.set(key, running);
      }
      return running;
    },
  };
}

export type Previews = ReturnType<typeof createPreviews>;
