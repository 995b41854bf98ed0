/**
 * Usage accounting (docs/cli.md "usage", docs/observability.md): written in the transaction of a
 * task's terminal transition (apply-transition.ts), read by `vidforge usage` and /metrics.
 *
 * Why a table written at the terminal transition rather than a query over tasks and attempts: a
 * task reaches SUCCESS or FAIL once, in one fenced write, on whichever process or replica ends it,
 * so the upsert in that transaction counts every task exactly once whatever its retries, reaped
 * leases or replicas; the figures survive if old task rows are ever pruned; and a report reads a
 * table of days × keys × endpoints × operations × outcomes, not every task ever run.
 */
import type { TaskError, TaskType } from '@vidforge/contract';
import { type Kysely, sql } from 'kysely';
import type { UsageFilter, UsageOutcome, UsageRow, UsageStore, UsageTotal } from '../../ports/usage-store.ts';
import type { SqlSchema } from './schema.ts';
import type { SqlHandle } from './sql-handle.ts';

/** YYYY-MM-DD of an epoch-ms time, in UTC. */
export const utcDay = (ms: number): string => new Date(ms).toISOString().slice(0, 10);

export function outcomeOf(status: string, error: TaskError | null | undefined): UsageOutcome {
  if (status === 'SUCCESS') return 'succeeded';
  return error?.code === 'CANCELLED' ? 'cancelled' : 'failed';
}

/**
 * Adds one finished task to its day's and the all-time figures. Call after the task row and its
 * last attempt were written in `trx`: engine time is the sum of every attempt's run time (ended
 * attempts from `started_at` to `ended_at`; one still open, which a terminal transition has just
 * ended, counts until `finishedAt`), so attempts that failed and were retried count too.
 */
export async function recordUsage(
  trx: Kysely<SqlSchema>,
  taskId: string,
  finishedAt: number,
  outcome: UsageOutcome,
  videoSeconds: number,
): Promise<void> {
  const engineMs = sql<number>`COALESCE((SELECT SUM(COALESCE(a.ended_at, ${finishedAt}) - a.started_at)
    FROM task_attempts a WHERE a.task_id = t.id), 0)`;
  // WHERE is required before ON CONFLICT on SQLite (else ON parses as a join's).
  await sql`INSERT INTO usage_daily (day, key_id, endpoint_id, type, outcome, tasks, video_seconds, engine_ms)
    SELECT ${utcDay(finishedAt)}, t.key_id, t.endpoint_id, t.type, ${outcome}, 1, ${videoSeconds}, ${engineMs}
    FROM tasks t WHERE t.id = ${taskId}
    ON CONFLICT (day, key_id, endpoint_id, type, outcome) DO UPDATE SET
      tasks = usage_daily.tasks + excluded.tasks,
      video_seconds = usage_daily.video_seconds + excluded.video_seconds,
      engine_ms = usage_daily.engine_ms + excluded.engine_ms`.execute(trx);
  await sql`INSERT INTO usage_totals (endpoint_id, type, outcome, tasks, video_seconds, engine_ms)
    SELECT t.endpoint_id, t.type, ${outcome}, 1, ${videoSeconds}, ${engineMs}
    FROM tasks t WHERE t.id = ${taskId}
    ON CONFLICT (endpoint_id, type, outcome) DO UPDATE SET
      tasks = usage_totals.tasks + excluded.tasks,
      video_seconds = usage_totals.video_seconds + excluded.video_seconds,
      engine_ms = usage_totals.engine_ms + excluded.engine_ms`.execute(trx);
}

/** The columns daily rows and totals share, as the port's fields (PostgreSQL's bigints arrive as text). */
function figuresOf(row: {
  endpoint_id: string;
  endpoint_path: string | null;
  type: string;
  outcome: string;
  tasks: number | string;
  video_seconds: number | string;
  engine_ms: number | string;
}): UsageTotal {
  return {
    endpointId: row.endpoint_id,
    endpointPath: row.endpoint_path ?? null,
    type: row.type as TaskType,
    outcome: row.outcome as UsageOutcome,
    tasks: Number(row.tasks),
    videoSeconds: Number(row.video_seconds),
    engineMs: Number(row.engine_ms),
  };
}

export function createSqlUsageStore(handle: SqlHandle): UsageStore {
  const { db } = handle;
  return {
    async daily(filter: UsageFilter): Promise<UsageRow[]> {
      const rows = await db
        .selectFrom('usage_daily as u')
        .leftJoin('endpoints as e', 'e.id', 'u.endpoint_id')
        .leftJoin('access_keys as k', 'k.id', 'u.key_id')
        .select([
          'u.day',
          'u.key_id',
          'k.name as key_name',
          'u.endpoint_id',
          'e.path as endpoint_path',
          'u.type',
          'u.outcome',
          'u.tasks',
          'u.video_seconds',
          'u.engine_ms',
        ])
        .$if(filter.keyId !== undefined, (qb) => qb.where('u.key_id', '=', filter.keyId ?? ''))
        .$if(filter.endpoint !== undefined, (qb) =>
          qb.where((eb) =>
            eb.or([eb('u.endpoint_id', '=', filter.endpoint ?? ''), eb('e.path', '=', filter.endpoint ?? '')]),
          ),
        )
        .$if(filter.since !== undefined, (qb) => qb.where('u.day', '>=', filter.since ?? ''))
        .$if(filter.until !== undefined, (qb) => qb.where('u.day', '<=', filter.until ?? ''))
        .orderBy('u.day')
        .orderBy('u.key_id')
        .orderBy('u.endpoint_id')
        .orderBy('u.type')
        .orderBy('u.outcome')
        .execute();
      return rows.map((row) => ({
        day: row.day,
        keyId: row.key_id,
        keyName: row.key_name ?? null,
        ...figuresOf(row),
      }));
    },

    async totals(): Promise<UsageTotal[]> {
      const rows = await db
        .selectFrom('usage_totals as u')
        .leftJoin('endpoints as e', 'e.id', 'u.endpoint_id')
        .select([
          'u.endpoint_id',
          'e.path as endpoint_path',
          'u.type',
          'u.outcome',
          'u.tasks',
          'u.video_seconds',
          'u.engine_ms',
        ])
        .execute();
      return rows.map(figuresOf);
    },
  };
}
