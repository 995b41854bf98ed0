/**
 * Blob keys are relative paths of plain segments, the same for every store. Checking the shape (not
 * sanitising it) makes traversal impossible by construction: no `..`, no absolute path, no backslash,
 * no empty segment. The character set also needs no escaping in a path-style S3 URL beyond what the
 * SDK does, and keeps keys portable across S3-compatible servers.
 */
const KEY_PATTERN = /^[A-Za-z0-9._-]+(?:\/[A-Za-z0-9._-]+)*$/;
const PREFIX_TAIL = /^[A-Za-z0-9._-]*$/;
export const BLOB_KEY_MAX = 1024;

export class InvalidBlobKeyError extends TypeError {
  constructor(key: string) {
    super(`invalid blob key ${JSON.stringify(key.length > 80 ? `${key.slice(0, 80)}…` : key)}`);
    this.name = 'InvalidBlobKeyError';
  }
}

/** The key's segments, or an InvalidBlobKeyError. */
export function blobKeySegments(key: string): string[] {
  if (typeof key !== 'string' || key.length > BLOB_KEY_MAX || !KEY_PATTERN.test(key)) {
    throw new InvalidBlobKeyError(String(key));
  }
  const segments = key.split('/');
  if (segments.some((segment) => segment === '.' || segment === '..')) throw new InvalidBlobKeyError(key);
  return segments;
}

/**
 * A list prefix: whole segments (a valid key, checked like one) and a partial last segment, so
 * `results/` and `results/ab` are both prefixes; '' lists everything.
 */
export function blobPrefixParts(prefix: string): { dir: string[]; tail: string } {
  if (typeof prefix !== 'string' || prefix.length > BLOB_KEY_MAX) throw new InvalidBlobKeyError(String(prefix));
  const cut = prefix.lastIndexOf('/');
  const tail = prefix.slice(cut + 1);
  if (!PREFIX_TAIL.test(tail)) throw new InvalidBlobKeyError(prefix);
  return { dir: cut < 0 ? [] : blobKeySegments(prefix.slice(0, cut)), tail };
}
