/**
 * Which PostgreSQL failures are "the database cannot serve now" (503) and which stay themselves.
 * The ones a test can cause for real (a refused connection, a terminated backend, a read-only
 * transaction, a pool with no free connection) are in postgres-open.test.ts; this table covers the
 * rest by their SQLSTATE or socket code, as pg reports them.
 */
import { describe, expect, it } from 'vitest';
import { isUnavailable, translatePgError } from '../../src/adapters/postgres/index.ts';
import { StorageUnavailableError } from '../../src/ports/storage-errors.ts';

const withCode = (code: string, message = 'boom') => Object.assign(new Error(message), { code });

describe('translatePgError', () => {
  it.each([
    ['57P01', /shutting down/],
    ['57P03', /starting up/],
    ['53300', /too many connections/],
    ['53100', /disk .* full/],
    ['25006', /read-only/],
    ['08006', /connection to the database failed/],
    ['08001', /connection to the database failed/],
    ['ECONNREFUSED', /refused/],
    ['ENOTFOUND', /does not resolve/],
  ])('%s is StorageUnavailableError', (code, reason) => {
    const error = withCode(code);
    const translated = translatePgError(error) as Error;
    expect(translated).toBeInstanceOf(StorageUnavailableError);
    expect(translated.message).toMatch(reason);
    expect(translated.cause).toBe(error);
    expect(isUnavailable(error)).toBe(true);
  });

  it.each([
    'Connection terminated unexpectedly',
    'Connection terminated',
    'Connection terminated due to connection timeout',
    'Client has encountered a connection error and is not queryable',
    'timeout exceeded when trying to connect',
  ])('pg’s own "%s" is StorageUnavailableError', (message) => {
    expect(translatePgError(new Error(message))).toBeInstanceOf(StorageUnavailableError);
  });

  it('looks inside the AggregateError of a connect to several addresses', () => {
    const error = new AggregateError([withCode('ECONNREFUSED'), withCode('ECONNREFUSED')], '');
    expect(translatePgError(error)).toBeInstanceOf(StorageUnavailableError);
  });

  it.each(['23505', '23503', '42601', '22P02', '0A000'])(
    '%s (a fault of the statement) is returned unchanged',
    (code) => {
      const error = withCode(code);
      expect(translatePgError(error)).toBe(error);
      expect(isUnavailable(error)).toBe(false);
    },
  );

  it('returns anything else unchanged', () => {
    for (const value of [new Error('Cannot use a pool after calling end on the pool'), 'text', null, undefined, 42]) {
      expect(translatePgError(value)).toBe(value);
    }
  });
});
