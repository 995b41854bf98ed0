/**
 * Files a client uploads: to the seed API's `POST /v1/ai/{endpointPath}/uploads` (uploads.routes.ts),
 * or with an OpenAI-shaped request (`input_reference` of a create, `video` of an extension, or a
 * data: URL). They pass the checks of a fetched source before a task exists (size limit of
 * their kind, type from the bytes, header dimensions, a decode probe: media/source-file.ts), then
 * live in the blob store under `uploads/`. The task's request names them by a signed URL of this
 * server, which `withUploadedSources` resolves from the blob store, so in-process workers and
 * remote runners (through task-sources) read them like any source, and no HTTP round trip back to
 * ourselves is needed.
 *
 * Uploads are kept as long as results (retention), so a remix can reuse its original's image; an
 * opportunistic sweep on later uploads deletes older ones.
 */
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { EngineError, type LocalSource, type SourceKind } from '../../engines/engine.ts';
import type { BlobStore } from '../../ports/blob-store.ts';
import type { Clock } from '../../ports/clock.ts';
import type { SourceFetcher } from '../../ports/source-fetcher.ts';
import { generateId } from '../auth/secrets.ts';
import type { MediaConfig } from '../media/media.config.ts';
import { partPathIn, type ReceivedMedia, receiveSource } from '../media/source-file.ts';
import type { UrlSigner } from '../results/url-signer.ts';

export const UPLOADS_PATH = '/v1/videos/uploads';
const UPLOAD_PREFIX = 'uploads/';
const UPLOAD_FILE = /^([A-Za-z0-9_-]{16,64})\.(jpg|png|webp|mp4|mov|webm|mkv)$/;
/** At most one sweep of old uploads per this interval, per process. */
const SWEEP_INTERVAL_MS = 10 * 60_000;

export interface UploadsDeps {
  blobs: Pick<BlobStore, 'putFile' | 'read' | 'delete' | 'list'>;
  signer: UrlSigner;
  clock: Clock;
  media: MediaConfig;
  /** This server's public origin, as in media URLs. */
  publicUrl(): string;
  workRoot: string;
  /** Uploads older than this are deleted (the result retention). */
  retentionMs: number;
  log: { warn(obj: object, msg: string): void; error(obj: object, msg: string): void };
}

/** What the signature covers: cannot collide with a task id (no '/') or a runner source. */
const signedObject = (file: string) => `${UPLOAD_PREFIX}${file}`;

export interface StoredUpload {
  /** The URL the task's request names it by. */
  url: string;
  kind: SourceKind;
  /** The format its bytes are. */
  contentType: string;
  size: number;
  /** Epoch ms until which it is kept: the sweep deletes it once older than the retention. */
  expiresAt: number;
  /** What the checks found: size, duration. */
  media: ReceivedMedia['description'];
}

export const maxBytesOf = (kind: SourceKind, media: MediaConfig) =>
  kind === 'image' ? media.imageMaxBytes : media.videoMaxBytes;

export function createUploads(deps: UploadsDeps) {
  let lastSweep = 0;

  async function sweep(): Promise<void> {
    const cutoff = deps.clock.now() - deps.retentionMs;
    for await (const entry of deps.blobs.list(UPLOAD_PREFIX)) {
      if (entry.modifiedAt < cutoff) await deps.blobs.delete(entry.key);
    }
  }

  return {
    /**
     * Checks `body` as a source of `kind` and stores it; returns the URL the task's request uses.
     * Throws the checks' EngineError (SOURCE_TOO_LARGE, SOURCE_UNSUPPORTED, SOURCE_INVALID).
     */
    async store(body: Readable, kind: SourceKind, signal: AbortSignal): Promise<StoredUpload> {
      const dir = await mkdtemp(join(deps.workRoot, 'upload-'));
      try {
        const partPath = partPathIn(dir);
        const checked: ReceivedMedia = await receiveSource(body, {
          dir,
          partPath,
          kind,
          maxBytes: maxBytesOf(kind, deps.media),
          config: deps.media,
          signal,
        });
        const extension = checked.path.slice(checked.path.lastIndexOf('.') + 1);
        const file = `${generateId()}.${extension}`;
        await deps.blobs.putFile(`${UPLOAD_PREFIX}${file}`, checked.path, checked.contentType);
        const now = deps.clock.now();
        if (now - lastSweep > SWEEP_INTERVAL_MS) {
          lastSweep = now;
          void sweep().catch((err) => deps.log.warn({ err }, 'could not sweep old uploads'));
        }
        // The signer caps lifetimes; the fetcher below accepts a genuine URL past its expiry, as
        // the upload's own lifetime is the retention, not the URL's.
        const exp = now + deps.signer.maxTtlMs;
        const url = `${deps.publicUrl()}${UPLOADS_PATH}/${file}?${deps.signer.sign(signedObject(file), exp)}`;
        return {
          url,
          kind,
          contentType: checked.contentType,
          size: checked.size,
          expiresAt: now + deps.retentionMs,
          media: checked.description,
        };
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    },
  };
}

export type Uploads = ReturnType<typeof createUploads>;

const unusable = (reason: string) =>
  new EngineError('SOURCE_FETCH_FAILED', `cannot use the uploaded file: ${reason}`, { retryable: false });

/** Resolves upload URLs made by `store` from the blob store; every other URL goes to `inner`. */
export function withUploadedSources(inner: SourceFetcher, deps: UploadsDeps): SourceFetcher {
  return {
    async fetch(url: string, kind: SourceKind, dir: string, signal: AbortSignal): Promise<LocalSource> {
      const parsed = URL.parse(url);
      const origin = URL.parse(deps.publicUrl())?.origin;
      if (!parsed || parsed.origin !== origin || !parsed.pathname.startsWith(`${UPLOADS_PATH}/`)) {
        return inner.fetch(url, kind, dir, signal);
      }
      const file = parsed.pathname.slice(UPLOADS_PATH.length + 1);
      if (!UPLOAD_FILE.test(file)) throw unusable('not an upload URL of this server');
      const verdict = deps.signer.verify(signedObject(file), parsed.search.slice(1), deps.clock.now());
      if (!verdict.ok && verdict.reason !== 'expired') throw unusable('the URL has an invalid signature');
      const body = await deps.blobs.read(`${UPLOAD_PREFIX}${file}`);
      if (!body) throw unusable('it was deleted (uploads are kept as long as results)');
      const partPath = join(dir, `upload-${randomUUID()}.part`);
      try {
        // Checked again: the blob store is shared, and the checks are cheap next to a generation.
        return await receiveSource(body, {
          dir,
          partPath,
          kind,
          maxBytes: maxBytesOf(kind, deps.media),
          config: deps.media,
          signal,
        });
      } finally {
        await rm(partPath, { force: true });
      }
    },
  };
}
