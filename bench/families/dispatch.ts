/**
 * Dispatch latency: from a submit's response to its task being IN_PROGRESS (claimed by a worker).
 * Idle: one task at a time into an idle queue, watched by reading the database in a tight loop.
 * Backlog: a burst submitted at once into two workers; each task's claim time is read from its
 * attempt row afterwards, so the figure is the wait behind the tasks ahead of it.
 */
import { type BenchContext, pick, scratchDir } from '../support/context.ts';
import { startVidforge } from '../support/servers.ts';
import { epochMs, summarize } from '../support/stats.ts';
import { submitBurst, submitTask } from '../support/submit.ts';
import type { Family } from '../support/table.ts';
import { openTaskDb, waitUntil } from '../support/task-db.ts';

export async function dispatchFamily(ctx: BenchContext): Promise<Family> {
  const idleCount = pick(ctx, 200, 20);
  const backlogCount = pick(ctx, 500, 50);
  const server = await startVidforge(ctx, {
    dataDir: await scratchDir(ctx, 'dispatch'),
    env: { VIDFORGE_WORKERS: '2' },
  });
  const db = openTaskDb(server.dbFile);
  let claimedBeforeResponse = 0;
  try {
    const idle: number[] = [];
    ctx.log(`dispatch: ${idleCount} tasks one at a time`);
    for (let i = 0; i < idleCount; i++) {
      const { taskId, respondedAt } = await submitTask(server);
      await waitUntil(() => db.status(taskId) !== 'PENDING', 5_000, `task ${taskId} to start`);
      idle.push(epochMs() - respondedAt);
      // Idle means idle: the next submit finds both workers waiting.
      await waitUntil(() => db.status(taskId) === 'SUCCESS', 5_000, `task ${taskId} to finish`, 1);
    }

    ctx.log(`dispatch: a burst of ${backlogCount}`);
    const burst = await submitBurst(server, backlogCount, 16);
    await waitUntil(() => db.countByStatus('PENDING') === 0, 60_000, 'the backlog to be claimed', 5);
    const claims = db.claimTimes(burst.map((b) => b.taskId));
    const backlog = burst.map((b) => {
      // started_at is the server's clock at the claim, whole ms; a worker may claim a task before
      // its submitter has even read the response.
      const wait = (claims.get(b.taskId) ?? Number.NaN) - b.respondedAt;
      if (wait < 0) claimedBeforeResponse++;
      return Math.max(0, wait);
    });
    const a = summarize(idle);
    const b = summarize(backlog);
    return {
      id: 'dispatch',
      title: 'Dispatch latency',
      baseline: null,
      rows: [
        { case: 'idle queue, 2 workers', metric: 'p50', unit: 'ms', value: a.p50, baseline: null },
        { case: 'idle queue, 2 workers', metric: 'p99', unit: 'ms', value: a.p99, baseline: null },
        { case: `backlog of ${backlogCount}, 2 workers`, metric: 'p50', unit: 'ms', value: b.p50, baseline: null },
        { case: `backlog of ${backlogCount}, 2 workers`, metric: 'p99', unit: 'ms', value: b.p99, baseline: null },
      ],
      notes: [
        `POST response → task IN_PROGRESS; idle: ${idleCount} sequential no-op tasks watched in the database ` +
          `(sub-ms); backlog: ${backlogCount} submitted 16 at a time, claim times from the attempt rows (whole ms), ` +
          `${claimedBeforeResponse} claimed before their response arrived (counted as 0)`,
      ],
    };
  } finally {
    db.close();
    await server.stop();
  }
}
