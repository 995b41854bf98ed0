/**
 * A source URL that is one of this server's own media URLs ("upscale this", "extend this") is read
 * from the result store instead of fetched: the server need not reach itself over the network (the
 * SSRF guard refuses loopback and private addresses, and a public URL may not route back), and the
 * bytes are not copied through HTTP. The URL must still be genuine and unexpired, the result must
 * still exist, and the file gets the same checks as a download.
 */
import { rm } from 'node:fs/promises';
import { MEDIA_PREFIX, TASK_ID_PATTERN } from '@vidforge/contract';
import { EngineError, type LocalSource, type SourceKind } from '../../engines/engine.ts';
import type { BlobStore } from '../../ports/blob-store.ts';
import type { Clock } from '../../ports/clock.ts';
import type { SourceFetcher } from '../../ports/source-fetcher.ts';
import type { TaskLedger } from '../../ports/task-ledger.ts';
import type { MediaConfig } from '../media/media.config.ts';
import { partPathIn, receiveSource } from '../media/source-file.ts';
import type { UrlSigner } from './url-signer.ts';

export interface OwnMediaDeps {
  /** This server's public origin (media URLs are made from it). */
  publicUrl(): string;
  signer: UrlSigner;
  tasks: Pick<TaskLedger, 'get'>;
  blobs: Pick<BlobStore, 'read'>;
  clock: Clock;
  media: MediaConfig;
}

const unusable = (reason: string) =>
  new EngineError('SOURCE_FETCH_FAILED', `cannot use the source: ${reason}`, { retryable: false });

/** The task id of one of our media URLs, or null for any other URL. */
function ownTaskId(url: URL, origin: string): string | null {
  if (url.origin !== origin || !url.pathname.startsWith(`${MEDIA_PREFIX}/`)) return null;
  const match = /^(.+)\.mp4$/.exec(url.pathname.slice(MEDIA_PREFIX.length + 1));
  return match && TASK_ID_PATTERN.test(match[1]!) ? match[1]! : null;
}

export function withOwnMediaSources(inner: SourceFetcher, deps: OwnMediaDeps): SourceFetcher {
  return {
    async fetch(url: string, kind: SourceKind, dir: string, signal: AbortSignal): Promise<LocalSource> {
      const parsed = URL.parse(url);
      const taskId = parsed && ownTaskId(parsed, new URL(deps.publicUrl()).origin);
      if (!parsed || !taskId) return inner.fetch(url, kind, dir, signal);

      const verdict = deps.signer.verify(taskId, parsed.search.slice(1), deps.clock.now());
      if (!verdict.ok) {
        throw unusable(
          verdict.reason === 'expired'
            ? "this server's media URL has expired; query the task for a fresh one"
            : "this server's media URL has an invalid signature",
        );
      }
      const task = await deps.tasks.get(taskId);
      const retained =
        task?.status === 'SUCCESS' &&
        task.outputKey !== null &&
        task.resultDeletedAt === null &&
        (task.retainUntil === null || deps.clock.now() < task.retainUntil);
      const body = retained ? await deps.blobs.read(task.outputKey!) : null;
      if (!body) throw unusable('the result this media URL points to no longer exists');
      const maxBytes = kind === 'image' ? deps.media.imageMaxBytes : deps.media.videoMaxBytes;
      const partPath = partPathIn(dir);
      try {
        return await receiveSource(body, { dir, partPath, kind, maxBytes, config: deps.media, signal });
      } finally {
        await rm(partPath, { force: true });
      }
    },
  };
}
