/**
 * BlobStore on an S3-compatible bucket. A PUT (or a completed multipart upload) replaces an object
 * atomically, so readers see the old object or the new one. Clients download results straight from
 * the bucket through presigned GETs; the API never streams them.
 */
import { open } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import {
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import type {
  BlobEntry,
  BlobInfo,
  BlobStore,
  BlobUploadOptions,
  BlobUploadUrl,
  BlobUrl,
} from '../../ports/blob-store.ts';
import type { Clock } from '../../ports/clock.ts';
import { blobKeySegments, blobPrefixParts } from '../blob-key.ts';
import { presignWindow } from './presign-window.ts';
import { checkBucket, createS3Client, describeBucket, describeS3Error, type S3ConnectionOptions } from './s3-client.ts';

/** S3 refuses parts under 5 MiB (except the last). */
export const MIN_PART_SIZE = 5 * 1024 * 1024;

export interface S3BlobStoreOptions extends S3ConnectionOptions {
  /** Files larger than this go up as a multipart upload in parts of this size (at least 5 MiB). */
  partSizeBytes: number;
  /** Dates presigned URLs, so their expiry follows the server's (injectable) time. */
  clock: Clock;
  /** Keys per ListObjectsV2 page (S3's maximum and default: 1000); tests page with fewer. */
  listPageSize?: number;
}

export interface S3BlobStore extends BlobStore {
  /** S3 always has upload URLs. */
  uploadUrlFor(key: string, options: BlobUploadOptions): Promise<BlobUploadUrl>;
  /** Closes the client's sockets. */
  close(): void;
}

export class S3BlobError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'S3BlobError';
  }
}

/** Checks the bucket (S3BucketError when unusable), then returns the store. */
export async function openS3BlobStore(options: S3BlobStoreOptions): Promise<S3BlobStore> {
  const client = createS3Client(options);
  try {
    await checkBucket(client, options);
  } catch (error) {
    client.destroy();
    throw error;
  }
  return createS3BlobStore(client, options);
}

const statusOf = (error: unknown) => (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
const isMissing = (error: unknown) => statusOf(error) === 404;
/**
 * Whole seconds: HeadObject's Last-Modified header has no milliseconds while listings may, and a
 * key's stat and listing must agree.
 */
const seconds = (date: Date | undefined) => Math.floor((date?.getTime() ?? 0) / 1000) * 1000;

export function createS3BlobStore(client: S3Client, options: S3BlobStoreOptions): S3BlobStore {
  const Bucket = options.bucket;
  const partSize = Math.max(options.partSizeBytes, MIN_PART_SIZE);

  /** SDK failures become one line that names the operation, key and bucket; the SDK error is the cause. */
  async function attempt<T>(what: string, key: string, run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (error) {
      if (error instanceof RangeError) throw error;
      throw new S3BlobError(`S3 ${what} of "${key}" in ${describeBucket(options)} failed: ${describeS3Error(error)}`, {
        cause: error,
      });
    }
  }

  async function stat(key: string): Promise<BlobInfo | null> {
    blobKeySegments(key);
    return attempt('HeadObject', key, async () => {
      try {
        const head = await client.send(new HeadObjectCommand({ Bucket, Key: key }));
        return {
          size: head.ContentLength ?? 0,
          etag: unquote(head.ETag),
          modifiedAt: seconds(head.LastModified),
          ...(head.ContentType ? { contentType: head.ContentType } : {}),
          ...(head.ContentEncoding ? { contentEncoding: head.ContentEncoding } : {}),
        };
      } catch (error) {
        if (isMissing(error)) return null;
        throw error;
      }
    });
  }

  return {
    async putFile(key: string, sourcePath: string, contentType: string): Promise<BlobInfo> {
      blobKeySegments(key);
      // Opened first: a missing source fails here, before any request.
      const file = await open(sourcePath, 'r');
      const body = file.createReadStream({ autoClose: false });
      try {
        await attempt('upload', key, async () => {
          // lib-storage sends one PutObject below partSize, a multipart upload above it, and aborts
          // the multipart upload on failure, so a failed put leaves no object and no stray parts.
          // Parts are buffered in memory: two in flight bound an upload to 2 × partSize.
          const upload = new Upload({
            client,
            params: { Bucket, Key: key, Body: body, ContentType: contentType },
            partSize,
            queueSize: 2,
          });
          await upload.done();
        });
      } finally {
        // A failed upload may leave the stream mid-read: destroyed first, it cannot read a closed file.
        body.destroy();
        await file.close();
      }
      const info = await stat(key);
      if (!info) throw new S3BlobError(`S3 upload of "${key}" in ${describeBucket(options)} left no object`);
      return info;
    },

    stat,

    async read(key: string, range?: { start: number; end: number }): Promise<Readable | null> {
      blobKeySegments(key);
      if (range) {
        const { start, end } = range;
        if (!Number.isSafeInteger(start) || !Number.isSafeInteger(end) || start < 0 || end < start) {
          throw new RangeError(`unsatisfiable range ${start}-${end}`);
        }
      }
      return attempt('GetObject', key, async () => {
        try {
          const object = await client.send(
            new GetObjectCommand({ Bucket, Key: key, Range: range && `bytes=${range.start}-${range.end}` }),
          );
          return object.Body as Readable;
        } catch (error) {
          if (isMissing(error)) return null;
          if (statusOf(error) === 416) throw new RangeError(`unsatisfiable range ${range?.start}-${range?.end}`);
          throw error;
        }
      });
    },

    async delete(key: string): Promise<void> {
      blobKeySegments(key);
      // S3 answers 204 for a missing key too: deleting is idempotent by itself.
      await attempt('DeleteObject', key, () => client.send(new DeleteObjectCommand({ Bucket, Key: key })));
    },

    async urlFor(key: string, { expiresAt }: { expiresAt: number }): Promise<BlobUrl> {
      blobKeySegments(key);
      const window = presignWindow(options.clock.now(), expiresAt);
      const url = await attempt('presign', key, () =>
        getSignedUrl(client, new GetObjectCommand({ Bucket, Key: key }), {
          expiresIn: window.expiresIn,
          signingDate: window.signingDate,
        }),
      );
      return { url, expiresAt: window.expiresAt };
    },

    async uploadUrlFor(key: string, upload: BlobUploadOptions): Promise<BlobUploadUrl> {
      blobKeySegments(key);
      const window = presignWindow(options.clock.now(), upload.expiresAt);
      // The content type and If-None-Match are signed headers: an uploader must send them as given,
      // so it can neither store the object as another type (a store that checks signatures refuses
      // the request) nor replace the object once it exists, i.e. once the server has checked it.
      // The size cannot be signed: the URL is made before the object exists (docs/runner-protocol.md).
      const headers = { 'content-type': upload.contentType, 'if-none-match': '*' };
      const url = await attempt('presign', key, () =>
        getSignedUrl(
          client,
          new PutObjectCommand({ Bucket, Key: key, ContentType: upload.contentType, IfNoneMatch: '*' }),
          {
            expiresIn: window.expiresIn,
            signingDate: window.signingDate,
            signableHeaders: new Set(Object.keys(headers)),
            unhoistableHeaders: new Set(['if-none-match']),
          },
        ),
      );
      return { method: 'PUT', url, headers, expiresAt: window.expiresAt };
    },

    async *list(prefix: string): AsyncIterable<BlobEntry> {
      blobPrefixParts(prefix);
      let ContinuationToken: string | undefined;
      do {
        const page = await attempt('ListObjectsV2', prefix, () =>
          client.send(
            new ListObjectsV2Command({ Bucket, Prefix: prefix, ContinuationToken, MaxKeys: options.listPageSize }),
          ),
        );
        for (const object of page.Contents ?? []) {
          // A shared bucket may hold objects no key of ours could name; they are not ours to list.
          if (!object.Key || !isKey(object.Key)) continue;
          yield { key: object.Key, size: object.Size ?? 0, modifiedAt: seconds(object.LastModified) };
        }
        ContinuationToken = page.IsTruncated ? page.NextContinuationToken : undefined;
      } while (ContinuationToken);
    },

    close() {
      client.destroy();
    },
  };
}

function isKey(key: string): boolean {
  try {
    blobKeySegments(key);
    return true;
  } catch {
    return false;
  }
}

/** S3 quotes ETags; the port's validator is the bare value. */
const unquote = (etag: string | undefined) => (etag ?? '').replace(/^"|"$/g, '');
