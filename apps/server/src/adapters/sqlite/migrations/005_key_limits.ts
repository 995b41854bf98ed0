import type { Migration } from './migration.ts';

/**
 * Per-key rate and concurrency limits (docs/limits.md). The limits live on the key row, so the
 * access_version trigger empties every process's auth cache when an operator changes them, and the
 * cached key carries them to every request at no extra query.
 */
const rate = (prefix: string) => [
  `ALTER TABLE access_keys ADD COLUMN ${prefix}_count INTEGER CHECK (${prefix}_count >= 0)`,
  `ALTER TABLE access_keys ADD COLUMN ${prefix}_window_s INTEGER CHECK (${prefix}_window_s >= 1)`,
];

const STATEMENTS = [
  ...rate('rate'),
  ...rate('poll_rate'),
  'ALTER TABLE access_keys ADD COLUMN concurrency INTEGER CHECK (concurrency >= 0)',
  // Counts a key's unfinished tasks inside the create transaction; only unfinished rows are indexed,
  // so the index stays as small as the backlog however many finished tasks a key has. Queries must
  // repeat the predicate as a literal for the planner to use it.
  `CREATE INDEX tasks_key_unfinished ON tasks (key_id) WHERE status IN ('PENDING', 'IN_PROGRESS')`,
  // One row per key and budget, rewritten in place: the table never grows past keys × 2 rows.
  // No trigger on it: it changes on every limited request and must not empty the auth caches.
  `CREATE TABLE rate_counters (
    key_id TEXT NOT NULL,
    bucket TEXT NOT NULL CHECK (bucket IN ('submit', 'poll')),
    window_start INTEGER NOT NULL,
    count INTEGER NOT NULL CHECK (count >= 0),
    PRIMARY KEY (key_id, bucket)
  ) STRICT, WITHOUT ROWID`,
];

export const keyLimits: Migration = {
  version: 5,
  name: 'key-limits',
  up(db) {
    for (const statement of STATEMENTS) db.exec(statement);
  },
};
