/**
 * Applies the forward-only migrations at open, in one write transaction, so two processes opening
 * a fresh file at once cannot both apply a step: the second waits, then finds it recorded.
 */
import type { DatabaseSync } from 'node:sqlite';
import { checkSequence, pendingMigrations as pending } from '../sql/schema-version.ts';
import type { Migration } from './migrations/migration.ts';

export { SchemaVersionError } from '../sql/schema-version.ts';

interface AppliedRow {
  version: number;
  name: string;
}

/** Returns the versions this call applied (empty when the schema was already current). */
export function migrate(db: DatabaseSync, migrations: readonly Migration[], now: number = Date.now()): number[] {
  checkSequence(migrations);
  // A current schema is confirmed by a read, which never waits on another connection's write lock.
  if (pending(migrations, readApplied(db)).length === 0) return [];

  db.exec('BEGIN IMMEDIATE');
  try {
    db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
      version INTEGER PRIMARY KEY,
      name TEXT NOT NULL,
      applied_at INTEGER NOT NULL
    ) STRICT`);
    const todo = pending(migrations, readApplied(db));
    const record = db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)');
    for (const migration of todo) {
      migration.up(db);
      record.run(migration.version, migration.name, now);
    }
    db.exec('COMMIT');
    return todo.map((migration) => migration.version);
  } catch (error) {
    if (db.isTransaction) db.exec('ROLLBACK');
    throw error;
  }
}

function readApplied(db: DatabaseSync): AppliedRow[] {
  const table = db.prepare("SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = 'schema_migrations'").get();
  if (!table) return [];
  return db.prepare('SELECT version, name FROM schema_migrations ORDER BY version').all() as unknown as AppliedRow[];
}
