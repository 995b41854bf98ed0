/**
 * Where a PENDING task waits: its place in its engine's queue and, for a task that remote runners
 * run, how many of them could take it now. Without it a task on a runner endpoint with no runner
 * online waits silently until its deadline.
 *
 * Read on every poll of a PENDING task, so it is kept cheap: the position is one bounded walk of
 * the claim index (TaskLedger.tasksAhead), and the runner list (a handful of rows, the same for
 * every task) is read at most once per `cacheMs` by all polls together.
 */
import { QUEUE_POSITION_CAP, type TaskQueue } from '@vidforge/contract';
import { runnerFamilyOf } from '../../engines/runner-family.ts';
import type { Clock } from '../../ports/clock.ts';
import type { RunnerRecord, RunnerStore } from '../../ports/runner-store.ts';
import type { TaskLedger, TaskRecord } from '../../ports/task-ledger.ts';

export interface QueueInfoDeps {
  ledger: Pick<TaskLedger, 'tasksAhead'>;
  runners: Pick<RunnerStore, 'list'>;
  clock: Clock;
  /** A runner counts as online when it called within this (its long-polls and heartbeats). */
  runnerSeenWithinMs: number;
  /** How long one read of the runner list serves every poll. */
  cacheMs?: number;
}

export type QueueInfo = (task: TaskRecord) => Promise<TaskQueue | null>;

export function createQueueInfo(deps: QueueInfoDeps): QueueInfo {
  const cacheMs = deps.cacheMs ?? 2000;
  let cached: { until: number; runners: Promise<RunnerRecord[]> } | null = null;

  function activeRunners(): Promise<RunnerRecord[]> {
    const at = performance.now();
    if (!cached || at >= cached.until) {
      const runners = deps.runners.list().then((all) => all.filter((r) => r.revokedAt === null));
      const entry = { until: at + cacheMs, runners };
      cached = entry;
      // A failed read is not kept: the next poll tries again rather than failing for cacheMs.
      runners.catch(() => {
        if (cached === entry) cached = null;
      });
    }
    return cached.runners;
  }

  return async (task) => {
    if (task.status !== 'PENDING') return null;
    const family = runnerFamilyOf(task.engine);
    const [ahead, runners] = await Promise.all([
      // One less than the cap: a count that reaches it cannot tell position CAP from later ones.
      deps.ledger.tasksAhead(task, QUEUE_POSITION_CAP - 1),
      family === null ? null : activeRunners(),
    ]);
    const now = deps.clock.now();
    return {
      position: ahead + 1,
      positionIsLowerBound: ahead >= QUEUE_POSITION_CAP - 1,
      runnerFamily: family,
      runnersOnline:
        runners === null
          ? null
          : runners.filter(
              (r) =>
                r.engines.includes(family as string) &&
                r.operations.includes(task.type) &&
                r.lastSeenAt !== null &&
                now - r.lastSeenAt <= deps.runnerSeenWithinMs,
            ).length,
    };
  };
}
