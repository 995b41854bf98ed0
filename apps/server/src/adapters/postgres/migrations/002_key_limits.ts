/** SQLite's 005_key_limits (whose comments say why) with PostgreSQL types. */
import type { PostgresMigration } from './migration.ts';

const KEY = 'text COLLATE "C"';

const rate = (prefix: string) => [
  `ALTER TABLE access_keys ADD COLUMN ${prefix}_count integer CHECK (${prefix}_count >= 0)`,
  `ALTER TABLE access_keys ADD COLUMN ${prefix}_window_s integer CHECK (${prefix}_window_s >= 1)`,
];

export const keyLimits: PostgresMigration = {
  version: 2,
  name: 'key-limits',
  statements: [
    ...rate('rate'),
    ...rate('poll_rate'),
    'ALTER TABLE access_keys ADD COLUMN concurrency integer CHECK (concurrency >= 0)',
    `CREATE INDEX tasks_key_unfinished ON tasks (key_id) WHERE status IN ('PENDING', 'IN_PROGRESS')`,
    `CREATE TABLE rate_counters (
      key_id ${KEY} NOT NULL,
      bucket ${KEY} NOT NULL CHECK (bucket IN ('submit', 'poll')),
      window_start bigint NOT NULL,
      count integer NOT NULL CHECK (count >= 0),
      PRIMARY KEY (key_id, bucket)
    )`,
  ],
};
