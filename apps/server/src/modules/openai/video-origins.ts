/**
 * What a video was made from, where the task row has no field for it: the video a remix or an
 * extension started from, and the size and stitched length an extension will have (known at submit
 * from the source, long before its result exists). Written beside the result in the blob store
 * (result-key.ts) before the POST answers, so every replica reads the same; deleted with the result.
 *
 * Reads are cached in memory: an origin never changes once written, and a task without one is
 * cached as such only once finished (its POST answered long before), so polling costs no blob read.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { BlobStore } from '../../ports/blob-store.ts';
import { TASK_RECORD, taskRecordKeyOf } from '../results/result-key.ts';

export interface VideoOrigin {
  remixedFrom?: string;
  extendedFrom?: string;
  /** WIDTHxHEIGHT and seconds the result will have, when the request alone does not say. */
  size?: string;
  seconds?: string;
}

const CACHE_LIMIT = 10_000;
/** An origin file is a few dozen bytes; anything larger is not ours. */
const MAX_ORIGIN_BYTES = 4096;

export interface VideoOriginsDeps {
  blobs: Pick<BlobStore, 'putFile' | 'read'>;
  workRoot: string;
}

export function createVideoOrigins(deps: VideoOriginsDeps) {
  const cache = new Map<string, VideoOrigin | null>();
  const remember = (taskId: string, origin: VideoOrigin | null) => {
    if (cache.size >= CACHE_LIMIT) cache.delete(cache.keys().next().value as string);
    cache.set(taskId, origin);
  };

  async function read(taskId: string): Promise<VideoOrigin | null> {
    const body = await deps.blobs.read(taskRecordKeyOf(taskId));
    if (!body) return null;
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of body) {
      size += (chunk as Buffer).length;
      if (size > MAX_ORIGIN_BYTES) {
        body.destroy();
        return null;
      }
      chunks.push(chunk as Buffer);
    }
    try {
      const parsed = JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown;
      return parsed && typeof parsed === 'object' ? (parsed as VideoOrigin) : null;
    } catch {
      return null;
    }
  }

  return {
    async write(taskId: string, origin: VideoOrigin): Promise<void> {
      const dir = await mkdtemp(join(deps.workRoot, 'origin-'));
      try {
        const path = join(dir, 'origin.json');
        await writeFile(path, JSON.stringify(origin));
        await deps.blobs.putFile(taskRecordKeyOf(taskId), path, TASK_RECORD.contentType);
        remember(taskId, origin);
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    },

    async get(taskId: string, finished: boolean): Promise<VideoOrigin | null> {
      const cached = cache.get(taskId);
      if (cached !== undefined) return cached;
      const origin = await read(taskId);
      if (origin || finished) remember(taskId, origin);
      return origin;
    },
  };
}

export type VideoOrigins = ReturnType<typeof createVideoOrigins>;
