/** SQLite's 008_engine_state (whose comment says why) with PostgreSQL types. */
import type { PostgresMigration } from './migration.ts';

export const engineState: PostgresMigration = {
  version: 5,
  name: 'engine-state',
  statements: ['ALTER TABLE tasks ADD COLUMN engine_state text'],
};
