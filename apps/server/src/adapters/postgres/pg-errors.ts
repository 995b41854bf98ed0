/**
 * Which PostgreSQL failures mean "the database cannot serve now" (StorageUnavailableError, answered
 * 503 with Retry-After) rather than a bug or a bad request (500, 4xx). Two kinds reach us from `pg`:
 * errors the server sent, with a SQLSTATE `code` of five characters, and errors of the connection
 * itself (a Node socket error code such as ECONNREFUSED, or one of pg's own messages when the
 * socket closed under a query). A constraint violation or a syntax error stays what it is.
 */
import { StorageUnavailableError } from '../../ports/storage-errors.ts';

/** SQLSTATEs that say the server, not the statement, is the problem. */
const UNAVAILABLE_SQLSTATE: Record<string, string> = {
  '25006': 'the database is read-only (a standby, or default_transaction_read_only)',
  '53000': 'the database is out of resources',
  '53100': 'the disk holding the database is full',
  '53200': 'the database server is out of memory',
  '53300': 'the database has too many connections',
  '53400': 'the database hit a configured limit',
  '55P03': 'a lock could not be taken in time (lock_timeout)',
  '57014': 'the database cancelled the statement (statement_timeout or an operator)',
  '57P01': 'the database is shutting down (administrator command)',
  '57P02': 'the database server crashed',
  '57P03': 'the database is starting up or cannot accept connections now',
  '57P04': 'the database was dropped',
  '57P05': 'the connection was idle too long (idle_session_timeout)',
  '58000': 'the database server failed (system error)',
  '58030': 'the database server cannot read or write its files (I/O error)',
  '40P01': 'a deadlock was detected; the transaction was rolled back',
};

/** Socket-level failures, from Node's `net`/`dns` (the connection never opened or broke). */
const UNAVAILABLE_ERRNO: Record<string, string> = {
  ECONNREFUSED: 'the database server refused the connection (is it running?)',
  ECONNRESET: 'the connection to the database was reset',
  ECONNABORTED: 'the connection to the database was aborted',
  EPIPE: 'the connection to the database broke',
  ETIMEDOUT: 'the connection to the database timed out',
  EHOSTUNREACH: 'the database host is unreachable',
  ENETUNREACH: 'the network of the database host is unreachable',
  EHOSTDOWN: 'the database host is down',
  ENOTFOUND: 'the database host name does not resolve',
  EAI_AGAIN: 'the database host name could not be resolved now',
  ENOENT: 'the database socket does not exist (is the server running?)',
};

/** pg's and pg-pool's own errors for a connection that is gone or cannot be had; they carry no code. */
const UNAVAILABLE_MESSAGES: [RegExp, string][] = [
  [/^Connection terminated/, 'the connection to the database was lost'],
  [/not queryable$/, 'the connection to the database was lost'],
  [/^timeout exceeded when trying to connect$/, 'no database connection became free in time'],
  [/^timeout expired$/, 'the connection to the database timed out'],
  [/^Query read timeout$/, 'the database did not answer in time'],
];

function reasonOf(error: unknown): string | undefined {
  if (!error || typeof error !== 'object') return undefined;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string') {
    // Class 08: connection exceptions (the server could not be reached, or dropped us).
    if (/^08[0-9A-Z]{3}$/.test(code)) return 'the connection to the database failed';
    const reason = UNAVAILABLE_SQLSTATE[code] ?? UNAVAILABLE_ERRNO[code];
    if (reason) return reason;
  }
  const message = (error as { message?: unknown }).message;
  if (typeof message === 'string') {
    for (const [pattern, reason] of UNAVAILABLE_MESSAGES) if (pattern.test(message)) return reason;
  }
  // A connect to a name with several addresses fails with one error per address.
  if (error instanceof AggregateError) {
    for (const inner of error.errors) {
      const reason = reasonOf(inner);
      if (reason) return reason;
    }
  }
  return undefined;
}

/** True when `error` means the database cannot serve now (it is, or would become, StorageUnavailableError). */
export function isUnavailable(error: unknown): boolean {
  return error instanceof StorageUnavailableError || reasonOf(error) !== undefined;
}

/** StorageUnavailableError for database trouble; anything else is returned as it is. */
export function translatePgError(error: unknown): unknown {
  if (error instanceof StorageUnavailableError) return error;
  const reason = reasonOf(error);
  return reason ? new StorageUnavailableError(`Storage unavailable: ${reason}`, { cause: error }) : error;
}
