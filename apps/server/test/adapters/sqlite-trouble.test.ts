/**
 * Storage trouble on real SQLite files becomes StorageUnavailableError with its cause: a full
 * database (SQLite aborts the transaction itself: the cause must not be hidden behind "cannot
 * rollback"), a read-only one, and a file deleted or replaced under the open handle.
 */
import { copyFile, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { openSqliteAdapters, type SqliteAdapters } from '../../src/adapters/sqlite/index.ts';
import { StorageUnavailableError } from '../../src/ports/storage-errors.ts';
import { newTask } from '../conformance/fixtures.ts';
import { tempDir } from '../support/index.ts';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

async function open(): Promise<{ adapters: SqliteAdapters; file: string }> {
  const dir = await tempDir();
  const file = join(dir.path, 'db.sqlite');
  const adapters = openSqliteAdapters({ file });
  cleanups.push(async () => {
    await adapters.close();
    await dir.remove();
  });
  return { adapters, file };
}

async function failure(promise: Promise<unknown>): Promise<StorageUnavailableError> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(StorageUnavailableError);
  return error as StorageUnavailableError;
}

describe('storage trouble', () => {
  it('a full database: the cause, not "cannot rollback"', async () => {
    const { adapters } = await open();
    const { db } = adapters.handle;
    const pages = await sql<{ page_count: number }>`PRAGMA page_count`.execute(db);
    await sql.raw(`PRAGMA max_page_count = ${pages.rows[0]!.page_count}`).execute(db);
    const big = newTask({
      request: { prompt: 'x'.repeat(2000), settings: { seed: 1, duration: 2, aspectRatio: '16:9' } },
    });
    let error: StorageUnavailableError | null = null;
    for (let i = 0; i < 50 && !error; i++) {
      error = await adapters.ledger.create({ ...big, id: `${big.id.slice(0, -3)}${String(i).padStart(3, '0')}` }).then(
        () => null,
        (e: unknown) => {
          expect(e).toBeInstanceOf(StorageUnavailableError);
          return e as StorageUnavailableError;
        },
      );
    }
    expect(error?.message).toMatch(/full/);
    expect(String((error?.cause as Error | undefined)?.message)).toMatch(/full/);
  });

  it('a read-only database', async () => {
    const { adapters } = await open();
    await sql`PRAGMA query_only = 1`.execute(adapters.handle.db);
    expect((await failure(adapters.ledger.create(newTask()))).message).toMatch(/read-only/);
    await sql`PRAGMA query_only = 0`.execute(adapters.handle.db);
  });

  it('a deleted or replaced file refuses the write that landed in the old file', async () => {
    const { adapters, file } = await open();
    expect((await adapters.ledger.create(newTask())).kind).toBe('created');
    const copy = `${file}.copy`;
    await copyFile(file, copy);
    await rm(file);
    expect((await failure(adapters.ledger.create(newTask()))).message).toMatch(/deleted/);
    expect(() => adapters.handle.checkFile()).toThrow(/deleted/);
    await rename(copy, file);
    expect((await failure(adapters.ledger.create(newTask()))).message).toMatch(/replaced/);
  });
});
