/** Opening the embedded database: pragmas, migrations, refusal of newer schemas, the statement cache. */
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { sql } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openSqlite, SchemaVersionError } from '../../src/adapters/sqlite/index.ts';
import { MIGRATIONS } from '../../src/adapters/sqlite/migrations/index.ts';
import { tempDir } from '../support/temp-dir.ts';

let dir: Awaited<ReturnType<typeof tempDir>>;
let file: string;
beforeEach(async () => {
  dir = await tempDir('vidforge-sqlite-open-');
  file = join(dir.path, 'nested', 'vidforge.db');
});
afterEach(async () => {
  await dir.remove();
});

async function pragma(handle: ReturnType<typeof openSqlite>, name: string): Promise<unknown> {
  const { rows } = await sql.raw<Record<string, unknown>>(`PRAGMA ${name}`).execute(handle.db);
  return Object.values(rows[0] ?? {})[0];
}

function appliedVersions(path: string): number[] {
  const raw = new DatabaseSync(path, { readOnly: true });
  try {
    return raw
      .prepare('SELECT version FROM schema_migrations ORDER BY version')
      .all()
      .map((r) => Number(r.version));
  } finally {
    raw.close();
  }
}

describe('openSqlite', () => {
  it('creates the directory and sets WAL, NORMAL, no synchronous busy wait, and foreign keys', async () => {
    const handle = openSqlite({ file });
    expect(await pragma(handle, 'journal_mode')).toBe('wal');
    expect(await pragma(handle, 'synchronous')).toBe(1);
    // Waits for other processes' locks happen on timers in the dialect, never blocking the thread.
    expect(await pragma(handle, 'busy_timeout')).toBe(0);
    expect(await pragma(handle, 'foreign_keys')).toBe(1);
    await handle.close();
  });

  it('uses synchronous=FULL when asked and refuses anything else', async () => {
    const handle = openSqlite({ file, synchronous: 'FULL' });
    expect(await pragma(handle, 'synchronous')).toBe(2);
    await handle.close();
    expect(() => openSqlite({ file, synchronous: 'OFF' as never })).toThrow(/NORMAL or FULL/);
  });

  it('keeps data across a close and reopen, and close is idempotent', async () => {
    const first = openSqlite({ file });
    await first.db
      .insertInto('endpoints')
      .values({ id: 'e1', path: 'pathpath', engine: 'preview', settings: '{}', name: null, created_at: 1 })
      .execute();
    await Promise.all([first.close(), first.close()]);
    const second = openSqlite({ file });
    expect(await second.db.selectFrom('endpoints').select('id').execute()).toEqual([{ id: 'e1' }]);
    await second.close();
  });

  it('caches prepared statements by SQL text', async () => {
    const handle = openSqlite({ file });
    const query = (id: string) => handle.db.selectFrom('tasks').select('id').where('id', '=', id).execute();
    await query('a');
    const cached = handle.cachedStatements();
    for (let i = 0; i < 20; i++) await query(`id-${i}`);
    expect(handle.cachedStatements()).toBe(cached);
    await handle.close();
  });
});

describe('migrations', () => {
  it('applies every migration once; opening again is a no-op', async () => {
    await openSqlite({ file }).close();
    const versions = MIGRATIONS.map((m) => m.version);
    expect(appliedVersions(file)).toEqual(versions);
    await openSqlite({ file }).close();
    expect(appliedVersions(file)).toEqual(versions);
  });

  it('refuses a database that records a migration this build does not know', async () => {
    await openSqlite({ file }).close();
    const raw = new DatabaseSync(file);
    raw
      .prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)')
      .run(999, 'from_the_future', 1);
    raw.close();
    expect(() => openSqlite({ file })).toThrow(SchemaVersionError);
    expect(() => openSqlite({ file })).toThrow(/newer or different Vidforge version.*999_from_the_future/);
  });

  it('applies a new migration to an existing database, and rolls back one that fails', async () => {
    await openSqlite({ file }).close();
    const extra = {
      version: MIGRATIONS.length + 1,
      name: 'add_notes',
      up: (db: DatabaseSync) => db.exec('CREATE TABLE notes (id TEXT PRIMARY KEY) STRICT'),
    };
    const broken = {
      version: MIGRATIONS.length + 2,
      name: 'broken',
      up: (db: DatabaseSync) => {
        db.exec('CREATE TABLE half_done (id TEXT) STRICT');
        db.exec('THIS IS NOT SQL');
      },
    };
    expect(() => openSqlite({ file, migrations: [...MIGRATIONS, extra, broken] })).toThrow();
    // All or nothing: neither the good step nor the broken one's first statement remains.
    expect(appliedVersions(file)).toEqual(MIGRATIONS.map((m) => m.version));
    const handle = openSqlite({ file, migrations: [...MIGRATIONS, extra] });
    const tables = await handle.db
      .selectFrom(sql<{ name: string; type: string }>`sqlite_schema`.as('s'))
      .select('name')
      .where('type', '=', 'table')
      .execute();
    expect(tables.map((t) => t.name)).toContain('notes');
    expect(tables.map((t) => t.name)).not.toContain('half_done');
    await handle.close();
  });

  it('refuses a migration list with gaps', () => {
    expect(() => openSqlite({ file, migrations: [{ ...MIGRATIONS[0]!, version: 2 }] })).toThrow(/expected 1/);
  });
});
