/**
 * Queue throughput: tasks per second end to end (first submit → last SUCCESS) with the no-op test
 * engine, for 1, 2 and 8 in-process workers. The baseline is the storage floor: the three commits a
 * task needs at the least (submit, claim, complete) on raw SQLite in a tight loop, same pragmas.
 */
import { type BenchContext, pick, scratchDir } from '../support/context.ts';
import { startVidforge } from '../support/servers.ts';
import { nowMs } from '../support/stats.ts';
import { storageFloor } from '../support/storage-floor.ts';
import { submitBurst } from '../support/submit.ts';
import type { Family, Row } from '../support/table.ts';
import { openTaskDb, waitUntil } from '../support/task-db.ts';

export async function queueFamily(ctx: BenchContext): Promise<Family> {
  const count = pick(ctx, 600, 40);
  const workerCounts = [1, 2, 8];
  const floor = await storageFloor(await scratchDir(ctx, 'floor'), 'NORMAL', 3, pick(ctx, 2, 0.3));
  const rows: Row[] = [];
  for (const workers of workerCounts) {
    ctx.log(`queue: ${count} tasks, ${workers} worker(s)`);
    const server = await startVidforge(ctx, {
      dataDir: await scratchDir(ctx, `queue-${workers}`),
      env: { VIDFORGE_WORKERS: String(workers) },
    });
    const db = openTaskDb(server.dbFile);
    try {
      const t0 = nowMs();
      await submitBurst(server, count, 16);
      await waitUntil(() => db.countByStatus('SUCCESS') === count, 120_000, `${count} tasks to succeed`, 2);
      const seconds = (nowMs() - t0) / 1000;
      rows.push({
        case: `${workers} worker${workers === 1 ? '' : 's'}, no-op engine`,
        metric: 'throughput',
        unit: 'tasks/s',
        value: count / seconds,
        baseline: floor,
      });
    } finally {
      db.close();
      await server.stop();
    }
  }
  return {
    id: 'queue',
    title: 'Queue throughput',
    baseline: 'raw node:sqlite, 3 commits per task (insert, claim, complete) in one loop, WAL, synchronous=NORMAL',
    rows,
    notes: [`${count} tasks submitted 16 at a time while the workers run; end to end, first submit to last SUCCESS`],
  };
}
