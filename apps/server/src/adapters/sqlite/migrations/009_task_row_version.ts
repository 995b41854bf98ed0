import type { Migration } from './migration.ts';

/**
 * `tasks.row_version`: a per-task counter that moves with every update of the row, whatever the
 * columns and whichever process writes, in the same statement (a trigger, so no writer can forget
 * it). A poll reads it (one integer by primary key) and reuses the task it read before when it has
 * not moved (modules/tasks/task-cache.ts), instead of reading and parsing the whole row again.
 * Unlike `revision` (status and progress only: the id of live-progress events), it also moves for
 * result deletion, retention, checkpoints and anything added later.
 *
 * The WHEN clause keeps the trigger from firing for its own update (row_version moved) and for the
 * `revision` trigger's update (revision moved), which the outer update has already counted.
 */
export const taskRowVersion: Migration = {
  version: 9,
  name: 'task-row-version',
  up(db) {
    db.exec('ALTER TABLE tasks ADD COLUMN row_version INTEGER NOT NULL DEFAULT 0');
    db.exec(`CREATE TRIGGER tasks_row_version AFTER UPDATE ON tasks
      WHEN NEW.row_version = OLD.row_version AND NEW.revision = OLD.revision
      BEGIN UPDATE tasks SET row_version = OLD.row_version + 1 WHERE id = NEW.id; END`);
  },
};
