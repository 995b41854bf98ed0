/**
 * The rules every dialect's migration runner shares (adapters/sqlite/migrate.ts,
 * adapters/postgres/migrate.ts): versions are dense from 1, and a database that records a step this
 * build does not know was written by a newer or different Vidforge, so it is refused rather than
 * used with a schema the code does not expect.
 */

export class SchemaVersionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SchemaVersionError';
  }
}

export interface MigrationStep {
  version: number;
  name: string;
}

/** `003_access_version`: how a step is named in messages. */
export const stepName = (step: MigrationStep): string => `${String(step.version).padStart(3, '0')}_${step.name}`;

/** Throws when the list is not 1, 2, 3, … in order (a programming error, caught by any test that migrates). */
export function checkSequence(migrations: readonly MigrationStep[]): void {
  migrations.forEach((migration, index) => {
    if (migration.version !== index + 1) {
      throw new Error(`migration "${migration.name}" has version ${migration.version}, expected ${index + 1}`);
    }
  });
}

/** The migrations still to apply; refuses (SchemaVersionError) a database that records a step this build does not know. */
export function pendingMigrations<M extends MigrationStep>(
  migrations: readonly M[],
  applied: readonly MigrationStep[],
): M[] {
  const known = new Map(migrations.map((migration) => [migration.version, migration.name]));
  const unknown = applied.filter((row) => known.get(row.version) !== row.name);
  if (unknown.length > 0) {
    throw new SchemaVersionError(
      `the database was migrated by a newer or different Vidforge version (unknown migration ${unknown.map(stepName).join(', ')}); ` +
        'refusing to open it. Run the Vidforge version that wrote it, or restore a backup.',
    );
  }
  const done = new Set(applied.map((row) => row.version));
  return migrations.filter((migration) => !done.has(migration.version));
}
