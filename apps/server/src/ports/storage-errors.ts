/**
 * The one error every store adapter throws when its database cannot serve right now: busy beyond
 * the wait, read-only, full, failing I/O, or its file deleted or replaced. The API answers it with
 * 503 and Retry-After (not 500: nothing is wrong with the request), and readiness reports it.
 */
export class StorageUnavailableError extends Error {
  constructor(message: string, options: { cause?: unknown } = {}) {
    super(message, options);
    this.name = 'StorageUnavailableError';
  }
}
