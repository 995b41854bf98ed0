/**
 * SQLite's 010_ascending_list_indexes (whose comment says why). PostgreSQL too splits a leaf that is
 * not the rightmost at its middle, and takes its fast path for the rightmost only.
 */
import type { PostgresMigration } from './migration.ts';

export const ascendingListIndexes: PostgresMigration = {
  version: 7,
  name: 'ascending-list-indexes',
  statements: [
    'DROP INDEX tasks_list',
    'DROP INDEX tasks_list_status',
    'CREATE INDEX tasks_list ON tasks (endpoint_id, created_at, id)',
    'CREATE INDEX tasks_list_status ON tasks (endpoint_id, status, created_at, id)',
  ],
};
