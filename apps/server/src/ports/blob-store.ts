/** Result files. Keys are fixed per task so a re-run overwrites instead of duplicating. */
import type { Readable } from 'node:stream';

export interface BlobInfo {
  size: number;
  /** Strong validator for conditional and ranged requests. */
  etag: string;
  modifiedAt: number;
}

export interface BlobStore {
  /** Stores the file at `key` atomically: readers see the old object or the new one, never a part. */
  putFile(key: string, sourcePath: string, contentType: string): Promise<BlobInfo>;
  stat(key: string): Promise<BlobInfo | null>;
  /** Streams bytes `start..end` (inclusive) or the whole object. Null when missing. */
  read(key: string, range?: { start: number; end: number }): Promise<Readable | null>;
  /** Idempotent. */
  delete(key: string): Promise<void>;
}
