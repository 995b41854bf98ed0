/** Result files. Keys are fixed per task so a re-run overwrites instead of duplicating. */
import type { Readable } from 'node:stream';

export interface BlobInfo {
  size: number;
  /** Strong validator for conditional and ranged requests. */
  etag: string;
  modifiedAt: number;
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
  /** Every object whose key starts with `prefix` ('' for all), in no particular order. */
  list(prefix: string): AsyncIterable<BlobEntry>;
}
