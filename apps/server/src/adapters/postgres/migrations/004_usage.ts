/** SQLite's 007_usage (whose comments say why) with PostgreSQL types. */
import type { PostgresMigration } from './migration.ts';

const KEY = 'text COLLATE "C"';
const OUTCOME = `${KEY} NOT NULL CHECK (outcome IN ('succeeded', 'failed', 'cancelled'))`;

export const usage: PostgresMigration = {
  version: 4,
  name: 'usage',
  statements: [
    'ALTER TABLE tasks ADD COLUMN revision integer NOT NULL DEFAULT 0',
    // BEFORE, changing the row being written: no second write of the row, as SQLite's trigger needs.
    `CREATE FUNCTION bump_task_revision() RETURNS trigger
      LANGUAGE plpgsql
      AS $$
      BEGIN
        NEW.revision := OLD.revision + 1;
        RETURN NEW;
      END
      $$`,
    `CREATE TRIGGER tasks_revision BEFORE UPDATE OF status, progress ON tasks
     FOR EACH ROW WHEN (OLD.status IS DISTINCT FROM NEW.status OR OLD.progress IS DISTINCT FROM NEW.progress)
     EXECUTE FUNCTION bump_task_revision()`,
    `CREATE TABLE usage_daily (
      day ${KEY} NOT NULL,
      key_id ${KEY} NOT NULL,
      endpoint_id ${KEY} NOT NULL,
      type ${KEY} NOT NULL,
      outcome ${OUTCOME},
      tasks bigint NOT NULL CHECK (tasks >= 0),
      video_seconds double precision NOT NULL CHECK (video_seconds >= 0),
      engine_ms bigint NOT NULL CHECK (engine_ms >= 0),
      PRIMARY KEY (day, key_id, endpoint_id, type, outcome)
    )`,
    'CREATE INDEX usage_daily_key_day ON usage_daily (key_id, day)',
    `CREATE TABLE usage_totals (
      endpoint_id ${KEY} NOT NULL,
      type ${KEY} NOT NULL,
      outcome ${OUTCOME},
      tasks bigint NOT NULL CHECK (tasks >= 0),
      video_seconds double precision NOT NULL CHECK (video_seconds >= 0),
      engine_ms bigint NOT NULL CHECK (engine_ms >= 0),
      PRIMARY KEY (endpoint_id, type, outcome)
    )`,
  ],
};
