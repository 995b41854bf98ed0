/**
 * The URLs of the local blob store: a directory cannot serve itself, so a result's URL is this
 * API's signed media URL (`/v1/media/{taskId}.mp4`, see media.routes.ts), which adds the task's
 * retention rules (410) to the signature and expiry checks. Only result keys have such a URL.
 *
 * A task is polled far more often than once a second, and an HMAC per poll was 5-10 % of its CPU
 * (docs/performance.md): expiries are rounded down to the whole second, so every poll of a task
 * within one second gets the same URL, signed once. A URL is still never valid past what was asked
 * (the TTL, retention) and lives at most a second less than it.
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
  /** URLs remembered (one per task, the latest); default 10,000. */
  maxRemembered?: number;
}

/** Expiries are multiples of this, so polls within it share one signed URL. */
export const MEDIA_URL_EXPIRY_STEP_MS = 1000;

export function createLocalMediaUrls(deps: LocalMediaUrlsDeps) {
  const max = deps.maxRemembered ?? 10_000;
  // By task id: the last URL made, its origin (publicUrl may change once, at listen) and expiry.
  const made = new Map<string, { origin: string; url: BlobUrl }>();
  return async (key: string, options: { expiresAt: number }): Promise<BlobUrl> => {
    const taskId = taskIdOfOutputKey(key);
    if (!taskId) throw new Error(`the local blob store has URLs for results only, not for "${key}"`);
    const now = deps.clock.now();
    // The signer refuses URLs that live longer than its limit, so none is made.
    const exact = Math.floor(Math.min(options.expiresAt, now + deps.signer.maxTtlMs));
    const rounded = exact - (exact % MEDIA_URL_EXPIRY_STEP_MS);
    // Within a step of the end of retention, the exact expiry: a rounded one could be past already.
    const expiresAt = rounded > now ? rounded : exact;
    const origin = deps.publicUrl();
    const last = made.get(taskId);
    if (last && last.url.expiresAt === expiresAt && last.origin === origin) return last.url;
    const url = Object.freeze({
      url: `${origin}${mediaPath(taskId)}?${deps.signer.sign(taskId, expiresAt)}`,
      expiresAt,
    });
    if (!last && made.size >= max) made.delete(made.keys().next().value as string);
    made.set(taskId, { origin, url });
    return url;
  };
}
