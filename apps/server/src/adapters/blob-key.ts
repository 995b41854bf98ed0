/**
 * Blob keys are relative paths of plain segments. Checking the shape (not sanitising it) makes
 * traversal impossible by construction: no `..`, no absolute path, no backslash, no empty segment.
 */
const KEY_PATTERN = /^[A-Za-z0-9._-]+(?:\/[A-Za-z0-9._-]+)*$/;
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
