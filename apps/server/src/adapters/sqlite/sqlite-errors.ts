/**
 * Which SQLite failures mean "the storage cannot serve now" (StorageUnavailableError, answered
 * 503) rather than a bug (500). node:sqlite reports the result code as `errcode`; extended codes
 * (SQLITE_BUSY_SNAPSHOT, SQLITE_IOERR_WRITE, ...) keep the primary code in the low byte.
 */
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
