/**
 * The URLs of the local blob store: a directory cannot serve itself, so a result's URL is this
 * API's signed media URL (`/v1/media/{taskId}.mp4`, see media.routes.ts), which adds the task's
 * retention rules (410) to the signature and expiry checks. Only result keys have such a URL.
 */
import type { BlobUrl } from '../../ports/blob-store.ts';
import type { Clock } from '../../ports/clock.ts';
import { mediaPath } from './media.routes.ts';
import { taskIdOfOutputKey } from './result-key.ts';
import type { UrlSigner } from './url-signer.ts';

export interface LocalMediaUrlsDeps {
  signer: UrlSigner;
  /** Origin of media URLs; known only once the server listens when not configured. */
  publicUrl(): string;
  clock: Clock;
}

export function createLocalMediaUrls(deps: LocalMediaUrlsDeps) {
  return async (key: string, options: { expiresAt: number }): Promise<BlobUrl> => {
    const taskId = taskIdOfOutputKey(key);
    if (!taskId) throw new Error(`the local blob store has URLs for results only, not for "${key}"`);
    // The signer refuses URLs that live longer than its limit, so none is made.
    const expiresAt = Math.floor(Math.min(options.expiresAt, deps.clock.now() + deps.signer.maxTtlMs));
    return { url: `${deps.publicUrl()}${mediaPath(taskId)}?${deps.signer.sign(taskId, expiresAt)}`, expiresAt };
  };
}
