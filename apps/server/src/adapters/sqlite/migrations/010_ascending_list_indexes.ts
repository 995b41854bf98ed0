import type { Migration } from './migration.ts';

/**
 * The list indexes in ascending order. `created_at DESC` put every new task at the front of its
 * endpoint's range: each insert landed on the leftmost leaf, whose splits rebalance its neighbours
 * and leave pages half full, so a commit of ten submits wrote about four more pages per index than
 * an append does (docs/performance.md). Both engines read an index backwards for the newest-first
 * listing, so the order of the keys costs the list nothing.
 */
export const ascendingListIndexes: Migration = {
  version: 10,
  name: 'ascending-list-indexes',
  up(db) {
    db.exec('DROP INDEX tasks_list');
    db.exec('DROP INDEX tasks_list_status');
    db.exec('CREATE INDEX tasks_list ON tasks (endpoint_id, created_at, id)');
    db.exec('CREATE INDEX tasks_list_status ON tasks (endpoint_id, status, created_at, id)');
  },
};
