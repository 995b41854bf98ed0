import type { Migration } from './migration.ts';

/**
 * Two things clients and operators read about finished and running work:
 *
 * - `tasks.revision`: a per-task counter that moves whenever the task's status or progress does,
 *   in the same statement (a trigger, so no writer can forget it). It is the `id:` of the task's
 *   Server-Sent Events (docs/api.md, "Live progress"): monotonic per task, so `Last-Event-ID`
 *   resumes exactly, which `updated_at` cannot promise (two changes in one millisecond, or hosts
 *   whose clocks disagree by a few).
 * - `usage_daily` and `usage_totals` (docs/cli.md "usage", docs/observability.md): one upsert each
 *   in the transaction of a task's terminal transition (adapters/sql/usage.ts). A task ends once,
 *   fenced, so every task is counted exactly once however many attempts, replicas or retries it
 *   took. Kept apart from `tasks`, so what was used stays true if old task rows are ever pruned.
 */
const STATEMENTS = [
  'ALTER TABLE tasks ADD COLUMN revision INTEGER NOT NULL DEFAULT 0',
  `CREATE TRIGGER tasks_revision AFTER UPDATE OF status, progress ON tasks
   WHEN OLD.status IS NOT NEW.status OR OLD.progress IS NOT NEW.progress
   BEGIN UPDATE tasks SET revision = OLD.revision + 1 WHERE id = NEW.id; END`,
  // Per UTC day (YYYY-MM-DD of the terminal transition), access key, endpoint, operation, outcome.
  `CREATE TABLE usage_daily (
    day TEXT NOT NULL,
    key_id TEXT NOT NULL,
    endpoint_id TEXT NOT NULL,
    type TEXT NOT NULL,
    outcome TEXT NOT NULL CHECK (outcome IN ('succeeded', 'failed', 'cancelled')),
    tasks INTEGER NOT NULL CHECK (tasks >= 0),
    video_seconds REAL NOT NULL CHECK (video_seconds >= 0),
    engine_ms INTEGER NOT NULL CHECK (engine_ms >= 0),
    PRIMARY KEY (day, key_id, endpoint_id, type, outcome)
  ) STRICT, WITHOUT ROWID`,
  'CREATE INDEX usage_daily_key_day ON usage_daily (key_id, day)',
  // The same figures since the beginning, per endpoint, operation and outcome: what /metrics
  // exports, read at scrape time from a table as small as its label sets.
  `CREATE TABLE usage_totals (
    endpoint_id TEXT NOT NULL,
    type TEXT NOT NULL,
    outcome TEXT NOT NULL CHECK (outcome IN ('succeeded', 'failed', 'cancelled')),
    tasks INTEGER NOT NULL CHECK (tasks >= 0),
    video_seconds REAL NOT NULL CHECK (video_seconds >= 0),
    engine_ms INTEGER NOT NULL CHECK (engine_ms >= 0),
    PRIMARY KEY (endpoint_id, type, outcome)
  ) STRICT, WITHOUT ROWID`,
];

export const usage: Migration = {
  version: 7,
  name: 'usage',
  up(db) {
    for (const statement of STATEMENTS) db.exec(statement);
  },
};
