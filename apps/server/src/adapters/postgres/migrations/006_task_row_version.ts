/** SQLite's 009_task_row_version (whose comment says why) with PostgreSQL types. */
import type { PostgresMigration } from './migration.ts';

export const taskRowVersion: PostgresMigration = {
  version: 6,
  name: 'task-row-version',
  statements: [
    'ALTER TABLE tasks ADD COLUMN row_version integer NOT NULL DEFAULT 0',
    // BEFORE, changing the row being written: no second write of the row, as SQLite's trigger needs.
    `CREATE FUNCTION bump_task_row_version() RETURNS trigger
      LANGUAGE plpgsql
      AS $$
      BEGIN
        NEW.row_version := OLD.row_version + 1;
        RETURN NEW;
      END
      $$`,
    'CREATE TRIGGER tasks_row_version BEFORE UPDATE ON tasks FOR EACH ROW EXECUTE FUNCTION bump_task_row_version()',
  ],
};
