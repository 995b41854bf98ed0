/**
 * Periodic upkeep that makes "every task ends" true: overdue tasks FAIL with TIMEOUT, expired leases
 * (crashed or frozen workers) are retried or failed, results past retention are deleted, orphaned
 * result objects are swept, and old idempotency records and settled webhook deliveries are pruned.
 * In a fleet one process at a time does this (the LeaderLock); nothing depends on that for
 * correctness, since every write is fenced, it only saves the others the same scans.
 */
import type { BlobStore } from '../../ports/blob-store.ts';
import type { Clock } from '../../ports/clock.ts';
import type { LeaderLock } from '../../ports/leader-lock.ts';
import type { Lease, TaskLedger } from '../../ports/task-ledger.ts';
import type { WebhookStore } from '../../ports/webhook-store.ts';
import type { WorkSignal } from '../../ports/work-signal.ts';
import { type TaskEvents, type TaskLabels, UNOBSERVED_TASKS } from '../metrics/task-events.ts';
import { resultKeysOf } from '../results/result-key.ts';
import type { RetryPolicy } from '../workers/retry-policy.ts';
import { sweepOrphans } from './orphan-sweeper.ts';

export interface ReaperDeps {
  ledger: TaskLedger;
  signal: WorkSignal;
  blobs: BlobStore;
  leader: LeaderLock;
  clock: Clock;
  retry: RetryPolicy;
  taskTimeoutMs: number;
  /** How often start() also sweeps orphaned result objects (it lists every result). */
  orphanSweepIntervalMs: number;
  /** Settled webhook deliveries are pruned this long after their last change; absent: never. */
  webhooks?: { store: Pick<WebhookStore, 'pruneSettled'>; retentionMs: number };
  onFinished(taskId: string): void;
  /** Metrics; absent: not observed. */
  events?: TaskEvents;
  log: {
    info(obj: object, msg: string): void;
    warn(obj: object, msg: string): void;
    error(obj: object, msg: string): void;
  };
}

const BATCH = 100;

export const REAPER_LOCK = 'vidforge:reaper';

export function createReaper(deps: ReaperDeps) {
  const { ledger, clock, log } = deps;
  const events = deps.events ?? UNOBSERVED_TASKS;

  async function timeOutOverdue(): Promise<number> {
    let count = 0;
    for (const id of await ledger.overdue(clock.now(), BATCH)) {
      const message = `The task did not finish within ${Math.round(deps.taskTimeoutMs / 1000)} s`;
      const ended = await ledger.terminate(id, { code: 'TIMEOUT', message }, clock.now());
      if (ended) {
        events.finished(ended, 'TIMEOUT');
        deps.onFinished(id);
        count++;
      }
    }
    return count;
  }

  /** A lease whose worker is gone: retried with backoff, or FAILed after the last attempt. */
  async function settleAbandoned(
    lease: Lease,
    task: { maxAttempts: number } & TaskLabels,
    message: string,
  ): Promise<boolean> {
    const now = clock.now();
    const error = { code: 'ENGINE_FAILED' as const, message };
    const decision = deps.retry.decide(lease.attempt, task.maxAttempts, { retryable: true });
    const written = decision.retry
      ? await ledger.retry(lease, error, now + decision.delayMs, now)
      : await ledger.fail(lease, { ...error, message: `${message} (${lease.attempt} attempts)` }, now);
    if (written) {
      if (decision.retry) {
        events.retried(task, error.code);
        deps.signal.notify(task.engine);
      } else events.finished(task, error.code);
      deps.onFinished(lease.taskId);
      log.info({ taskId: lease.taskId, attempt: lease.attempt, retry: decision.retry }, 'abandoned lease settled');
    }
    return written;
  }

  async function reapLeases(): Promise<number> {
    let count = 0;
    for (const lease of await ledger.expired(clock.now(), BATCH)) {
      if (await settleAbandoned(lease, lease, 'The worker running the task stopped responding')) count++;
    }
    return count;
  }

  async function deleteExpiredResults(): Promise<number> {
    let count = 0;
    for (const task of await ledger.expiredResults(clock.now(), BATCH)) {
      // With the previews kept beside it (result-key.ts).
      if (task.outputKey) for (const key of resultKeysOf(task.outputKey)) await deps.blobs.delete(key);
      await ledger.markResultDeleted(task.id, clock.now());
      count++;
    }
    return count;
  }

  const sweep = () => sweepOrphans({ ledger, blobs: deps.blobs, log });

  return {
    /**
     * Settles at once the leases still held by workers known to be gone: those of the process this
     * one succeeds after it was killed, instead of waiting for their expiry.
     */
    async reclaim(workerIds: readonly string[]): Promise<number> {
      let count = 0;
      for (const lease of await ledger.openLeases(workerIds)) {
        const task = await ledger.get(lease.taskId);
        const message = 'The server process running the task stopped before it finished';
        if (task && (await settleAbandoned(lease, task, message))) count++;
      }
      return count;
    },

    /** One pass of every job but the orphan sweep; returns what it did (tests call this directly). */
    async tick() {
      return {
        timedOut: await timeOutOverdue(),
        reaped: await reapLeases(),
        swept: await deleteExpiredResults(),
        pruned: await ledger.pruneIdempotency(clock.now()),
        prunedDeliveries: deps.webhooks
          ? await deps.webhooks.store.pruneSettled(clock.now() - deps.webhooks.retentionMs, BATCH)
          : 0,
      };
    },

    sweepOrphans: sweep,

    /** Ticks every `intervalMs` while this process holds the reaper lock. */
    start(intervalMs: number): () => Promise<void> {
      let current: Promise<unknown> | null = null;
      let lastSweep = Number.NEGATIVE_INFINITY;
      const pass = async () => {
        if (!(await deps.leader.hold(REAPER_LOCK))) return;
        await this.tick();
        if (clock.now() - lastSweep >= deps.orphanSweepIntervalMs) {
          lastSweep = clock.now();
          await sweep();
        }
      };
      const timer = setInterval(() => {
        // A slow pass is not stacked on: the next one starts at the first tick after it ends.
        current ??= pass()
          .catch((err) => log.error({ err }, 'reaper pass failed'))
          .finally(() => {
            current = null;
          });
      }, intervalMs);
      return async () => {
        clearInterval(timer);
        await current;
      };
    },
  };
}
