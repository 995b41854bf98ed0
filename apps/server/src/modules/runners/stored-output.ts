/**
 * Checking a result a runner uploaded straight to the object store (a presigned PUT). The object
 * was written by someone the server does not trust, with a URL that cannot bound its size, so it
 * gets every check of an upload through the API, and a few of its own: its size before a byte is
 * read, the type a downloader of it will be told, and that it did not change while it was checked.
 */
import { rm } from 'node:fs/promises';
import { ApiError } from '../../http/api-error.ts';
import type { BlobStore } from '../../ports/blob-store.ts';
import type { MediaConfig } from '../media/media.config.ts';
import { type ReceivedOutput, receiveOutput } from './runner-output.ts';

/** The object is unacceptable: the attempt fails with this code and the object is deleted. */
export class RejectedOutput extends Error {
  readonly apiCode: 'PAYLOAD_TOO_LARGE' | 'OUTPUT_INVALID';
  /** Too large is deterministic; a broken file may be a bad encode that another attempt avoids. */
  readonly retryable: boolean;

  constructor(apiCode: RejectedOutput['apiCode'], message: string, retryable: boolean) {
    super(message);
    this.name = 'RejectedOutput';
    this.apiCode = apiCode;
    this.retryable = retryable;
  }
}

export interface StoredOutputOptions {
  /** A fresh directory of this check's own; removed on failure, by the caller on success. */
  dir: string;
  maxBytes: number;
  contentType: string;
  media: MediaConfig;
  signal: AbortSignal;
}

const missing = () =>
  new ApiError('OUTPUT_MISSING', "Nothing is at this attempt's upload URL: PUT the video there first");

export async function receiveStoredOutput(
  blobs: Pick<BlobStore, 'stat' | 'read'>,
  key: string,
  options: StoredOutputOptions,
): Promise<ReceivedOutput> {
  const before = await blobs.stat(key);
  if (!before) throw missing();
  // Checked before downloading: an object of many gigabytes costs one HEAD, not a download.
  if (before.size > options.maxBytes) {
    throw new RejectedOutput(
      'PAYLOAD_TOO_LARGE',
      `The uploaded object has ${before.size} bytes, more than the limit of ${options.maxBytes}`,
      false,
    );
  }
  // What the store will tell whoever downloads the result. A store that keeps no types (a local
  // directory) has no upload URLs either: its objects were all written by the server.
  const type = before.contentType?.split(';', 1)[0]?.trim().toLowerCase();
  if (before.contentType !== undefined && type !== options.contentType) {
    throw new RejectedOutput(
      'OUTPUT_INVALID',
      `The uploaded object is stored as ${JSON.stringify(before.contentType.slice(0, 100))}, not ${options.contentType}`,
      true,
    );
  }
  const encoding = before.contentEncoding?.trim().toLowerCase();
  if (encoding && encoding !== 'identity') {
    throw new RejectedOutput(
      'OUTPUT_INVALID',
      `The uploaded object is stored with Content-Encoding ${JSON.stringify(encoding.slice(0, 100))}; send the video as is`,
      true,
    );
  }
  const body = await blobs.read(key);
  if (!body) throw missing();
  let received: ReceivedOutput;
  try {
    // The same streaming limit, type sniffing and probe as an upload through the API.
    const { dir, maxBytes, media, signal } = options;
    received = await receiveOutput(body, { dir, maxBytes, media, signal });
  } catch (error) {
    if (options.signal.aborted) throw error;
    if (error instanceof ApiError && (error.code === 'PAYLOAD_TOO_LARGE' || error.code === 'OUTPUT_INVALID')) {
      throw new RejectedOutput(
        error.code,
        error.message.replace(/^The upload/, 'The uploaded object'),
        error.code !== 'PAYLOAD_TOO_LARGE',
      );
    }
    throw error;
  }
  // The URL lets the runner write only while the key is free (If-None-Match), but a store may
  // ignore that: what was probed must be what is stored.
  const after = await blobs.stat(key);
  if (!after || after.etag !== before.etag || after.size !== received.size) {
    await rm(received.dir, { recursive: true, force: true });
    throw new RejectedOutput('OUTPUT_INVALID', 'The uploaded object changed while the server was checking it', true);
  }
  return received;
}
