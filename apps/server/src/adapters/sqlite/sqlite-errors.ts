/**
 * Which SQLite failures mean "the storage cannot serve now" (StorageUnavailableError, answered
 * 503) rather than a bug (500). node:sqlite reports the result code as `errcode`; extended codes
 * (SQLITE_BUSY_SNAPSHOT, SQLITE_IOERR_WRITE, ...) keep the primary code in the low byte.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { StorageUnavailableError } from '../../ports/storage-errors.ts';

export const SQLITE_BUSY = 5;

const UNAVAILABLE: Record<number, string> = {
  [SQLITE_BUSY]: 'the database is locked by another process',
  6: 'the database is locked',
  8: 'the database is read-only',
  10: 'the database file cannot be read or written (I/O error)',
  11: 'the database file is damaged',
  13: 'the disk holding the database is full',
  14: 'the database file cannot be opened',
  26: 'the database file is not a database',
};

/** The primary SQLite result code of a node:sqlite error, or null for anything else. */
export function sqliteCode(error: unknown): number | null {
  const errcode = (error as { errcode?: unknown } | null)?.errcode;
  return typeof errcode === 'number' ? errcode & 0xff : null;
}

/** StorageUnavailableError for storage trouble; anything else is returned as it is. */
export function translateSqliteError(error: unknown): unknown {
  const code = sqliteCode(error);
  const reason = code === null ? undefined : UNAVAILABLE[code];
  return reason ? new StorageUnavailableError(`Storage unavailable: ${reason}`, { cause: error }) : error;
}

const MAX_BACKOFF_MS = 50;

/**
 * Runs `attempt` until it does not fail with SQLITE_BUSY, waiting on timers in between (so the
 * event loop keeps serving) for at most `busyTimeoutMs` in all; `retryable` says whether this
 * failure may be tried again (a statement inside a transaction may not). Failures come out
 * translated (StorageUnavailableError for storage trouble).
 */
export async function retryWhileBusy<T>(
  busyTimeoutMs: number,
  attempt: () => T | Promise<T>,
  retryable: () => boolean = () => true,
): Promise<T> {
  let waited = 0;
  for (let tries = 0; ; tries++) {
    try {
      return await attempt();
    } catch (error) {
      if (sqliteCode(error) !== SQLITE_BUSY || !retryable() || waited >= busyTimeoutMs)
        throw translateSqliteError(error);
      const delay = Math.min(2 ** tries, MAX_BACKOFF_MS);
      await sleep(delay);
      waited += delay;
    }
  }
}
