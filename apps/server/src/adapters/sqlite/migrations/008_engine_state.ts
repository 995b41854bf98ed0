import type { Migration } from './migration.ts';

/**
 * What an engine checkpoints about a task's work outside this server (the upstream engine: the
 * upstream's task id), so that the next attempt resumes that work instead of starting it again.
 * On the task row, not the attempt row: the next attempt reads it. Written only by a fenced write
 * (TaskLedger.checkpoint), so a stale worker writes nothing.
 */
export const engineState: Migration = {
  version: 8,
  name: 'engine-state',
  up(db) {
    db.exec('ALTER TABLE tasks ADD COLUMN engine_state TEXT');
  },
};
