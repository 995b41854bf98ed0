/**
 * Applies the forward-only migrations at open, in one write transaction, so two processes opening
 * a fresh file at once cannot both apply a step: the second waits, then finds it recorded.
 */
import type { DatabaseSync } from 'node:sqlite';
import type { Migration } from './migrations/migration.ts';

export class SchemaVersionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SchemaVersionError';
  }
}

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

/** The migrations still to apply; refuses a database that records a step this build does not know. */
function pending(migrations: readonly Migration[], applied: readonly AppliedRow[]): Migration[] {
  const known = new Map(migrations.map((migration) => [migration.version, migration.name]));
  const unknown = applied.filter((row) => known.get(row.version) !== row.name);
  if (unknown.length > 0) {
    const names = unknown.map((row) => `${String(row.version).padStart(3, '0')}_${row.name}`).join(', ');
    throw new SchemaVersionError(
      `the database was migrated by a newer or different Vidforge version (unknown migration ${names}); ` +
        'refusing to open it. Run the Vidforge version that wrote it, or restore a backup.',
    );
  }
  const done = new Set(applied.map((row) => row.version));
  return migrations.filter((migration) => !done.has(migration.version));
}

function checkSequence(migrations: readonly Migration[]): void {
  migrations.forEach((migration, index) => {
    if (migration.version !== index + 1) {
      throw new Error(`migration "${migration.name}" has version ${migration.version}, expected ${index + 1}`);
    }
  });
}
