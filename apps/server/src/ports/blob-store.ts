/** Result files. Keys are fixed per task so a re-run overwrites instead of duplicating. */
import type { Readable } from 'node:stream';

export interface BlobInfo {
  size: number;
  /** Strong validator for conditional and ranged requests. */
  etag: string;
  modifiedAt: number;
  /**
   * The Content-Type and Content-Encoding the store keeps with the object, where it keeps them (S3
   * does, a directory does not). An object written by someone else through an upload URL is checked
   * against them: they are what a downloader of the object is told.
   */
  contentType?: string;
  contentEncoding?: string;
}

export interface BlobEntry {
  key: string;
  size: number;
  modifiedAt: number;
}

export interface BlobUrl {
  /** An absolute URL a plain HTTP GET downloads the object from, with Range support. */
  url: string;
  /** When the URL stops working (epoch ms); never later than asked, earlier where the store caps it. */
  expiresAt: number;
}

/** A URL that someone without the store's credentials (a runner) uploads one object with. */
export interface BlobUploadUrl {
  method: 'PUT';
  url: string;
  /**
   * Headers the upload must send exactly as given (they are part of the signature): the content
   * type, and `if-none-match: *`, which makes the store refuse to replace an object that exists.
   */
  headers: Record<string, string>;
  /** When the URL stops working (epoch ms); never later than asked. */
  expiresAt: number;
}

export interface BlobUploadOptions {
  expiresAt: number;
  contentType: string;
  /**
   * The most bytes the object may have. A presigned PUT cannot enforce a size the signer does not
   * know yet, so this is advice to the uploader: whoever accepts the object checks its size.
   */
  maxBytes: number;
}

export interface BlobStore {
  /** Stores the file at `key` atomically: readers see the old object or the new one, never a part. */
  putFile(key: string, sourcePath: string, contentType: string): Promise<BlobInfo>;
  stat(key: string): Promise<BlobInfo | null>;
  /**
   * Streams bytes `start..end` (inclusive; an end past the last byte is clamped) or the whole object.
   * Null when missing; a RangeError when `start` is not inside the object.
   */
  read(key: string, range?: { start: number; end: number }): Promise<Readable | null>;
  /** Idempotent. */
  delete(key: string): Promise<void>;
  /**
   * A URL that downloads `key` until `expiresAt`, or earlier: every store caps how long its URLs
   * live (the local store at the media URL lifetime, S3 at 7 days). It does not check that the
   * object exists. An `expiresAt` already past gives a URL that is refused.
   */
  urlFor(key: string, options: { expiresAt: number }): Promise<BlobUrl>;
  /**
   * A URL that uploads `key` once (it does not replace an existing object), or null when the store
   * has no such URLs (a local directory): the bytes then travel through the API.
   */
  uploadUrlFor(key: string, options: BlobUploadOptions): Promise<BlobUploadUrl | null>;
  /** Every object whose key starts with `prefix` ('' for all), in no particular order. */
  list(prefix: string): AsyncIterable<BlobEntry>;
}
