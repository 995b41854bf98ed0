import type { Migration } from './migration.ts';

const STATEMENTS = [
  // Remote runners (docs/runner-protocol.md). A runner's leases are task_attempts rows whose
  // worker_id is `runner:<id>`; nothing else links them, so revoking or deleting keeps the history.
  `CREATE TABLE runners (
    id TEXT PRIMARY KEY,
    name TEXT,
    prefix TEXT NOT NULL,
    hash TEXT NOT NULL UNIQUE,
    engines TEXT NOT NULL CHECK (json_valid(engines)),
    operations TEXT NOT NULL CHECK (json_valid(operations)),
    concurrency INTEGER NOT NULL CHECK (concurrency >= 1),
    created_at INTEGER NOT NULL,
    revoked_at INTEGER,
    last_seen_at INTEGER
  ) STRICT`,
  // What a worker says it is doing, and the probed output a remote runner uploaded but has not committed.
  'ALTER TABLE task_attempts ADD COLUMN stage TEXT',
  'ALTER TABLE task_attempts ADD COLUMN output TEXT CHECK (output IS NULL OR json_valid(output))',
  'CREATE INDEX task_attempts_worker ON task_attempts (worker_id) WHERE ended_at IS NULL',
];

export const runners: Migration = {
  version: 2,
  name: 'runners',
  up(db) {
    for (const statement of STATEMENTS) db.exec(statement);
  },
};
