/**
 * TaskLedger.queueStats and tasksAhead: what the queue metrics read at scrape time, and a pending
 * task's place in its queue.
 *
 * queueStats: One query per status, each an
 * in-order walk of the claim index (status, engine, run_after) that stops after `scanLimit`
 * entries: the cost is bounded whatever the backlog, and the minimum per engine is exact for
 * every engine the walk reached (its entries come in run_after order).
 */
import type { EngineQueueStats, QueueStats, TaskLedger } from '../../ports/task-ledger.ts';
import type { SqlHandle } from './sql-handle.ts';

export function createSqlQueueStats(handle: SqlHandle): Pick<TaskLedger, 'queueStats' | 'tasksAhead'> {
  const { db } = handle;

  const scan = (status: 'PENDING' | 'IN_PROGRESS', scanLimit: number) =>
    db
      .selectFrom((eb) =>
        eb
          .selectFrom('tasks')
          .select(['engine', 'run_after'])
          .where('status', '=', status)
          .orderBy('engine')
          .orderBy('run_after')
          .limit(scanLimit + 1)
          .as('t'),
      )
      .select((eb) => ['t.engine', eb.fn.countAll<number | string>().as('n'), eb.fn.min('t.run_after').as('oldest')])
      .groupBy('t.engine')
      .execute();

  return {
    async tasksAhead(task, limit): Promise<number> {
      // The claim order (task-leases.ts) is (run_after, created_at, id). `run_after <= X` bounds
      // the walk of the claim index (status, engine, run_after, …) to the tasks before this one;
      // the OR settles ties on run_after; LIMIT stops the walk of a long queue.
      const row = await db
        .selectFrom((eb) =>
          eb
            .selectFrom('tasks')
            .select('id')
            .where('status', '=', 'PENDING')
            .where('engine', '=', task.engine)
            .where('run_after', '<=', task.runAfter)
            .where((w) =>
              w.or([
                w('run_after', '<', task.runAfter),
                w('created_at', '<', task.createdAt),
                w.and([w('created_at', '=', task.createdAt), w('id', '<', task.id)]),
              ]),
            )
            .limit(limit)
            .as('t'),
        )
        .select((eb) => eb.fn.countAll<number | string>().as('n'))
        .executeTakeFirstOrThrow();
      // PostgreSQL answers COUNT as a string.
      return Number(row.n);
    },

    async queueStats(scanLimit: number): Promise<QueueStats> {
      const [pending, running] = [await scan('PENDING', scanLimit), await scan('IN_PROGRESS', scanLimit)];
      const byEngine = new Map<string, EngineQueueStats>();
      const entry = (engine: string) => {
        let stats = byEngine.get(engine);
        if (!stats) {
          stats = { engine, pending: 0, inProgress: 0, oldestRunAfter: null };
          byEngine.set(engine, stats);
        }
        return stats;
      };
      let truncated = false;
      for (const [rows, field] of [
        [pending, 'pending'],
        [running, 'inProgress'],
      ] as const) {
        let seen = 0;
        for (const row of rows) {
          // PostgreSQL answers COUNT and MIN over bigint as strings.
          const n = Number(row.n);
          seen += n;
          const stats = entry(row.engine);
          stats[field] = n;
          if (field === 'pending' && row.oldest !== null) stats.oldestRunAfter = Number(row.oldest);
        }
        if (seen > scanLimit) truncated = true;
      }
      const engines = [...byEngine.values()].sort((a, b) => (a.engine < b.engine ? -1 : a.engine > b.engine ? 1 : 0));
      return { engines, truncated };
    },
  };
}
