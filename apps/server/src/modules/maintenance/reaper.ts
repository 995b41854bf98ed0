/**
 * Periodic upkeep that makes "every task ends" true: overdue tasks FAIL with TIMEOUT, expired leases
 * (crashed or frozen workers) are retried or failed, results past retention are deleted, and old
 * idempotency records are pruned.
 */
import type { BlobStore } from '../../ports/blob-store.ts';
import type { Clock } from '../../ports/clock.ts';
import type { TaskStore } from '../../ports/task-store.ts';
import type { Lease, WorkQueue } from '../../ports/work-queue.ts';
import { resultKeysOf } from '../results/result-key.ts';
import type { RetryPolicy } from '../workers/retry-policy.ts';

export interface ReaperDeps {
  store: TaskStore;
  queue: WorkQueue;
  blobs: BlobStore;
  clock: Clock;
  retry: RetryPolicy;
  taskTimeoutMs: number;
  onFinished(taskId: string): void;
  log: { info(obj: object, msg: string): void; error(obj: object, msg: string): void };
}

const BATCH = 100;

export function createReaper(deps: ReaperDeps) {
  const { store, queue, clock, log } = deps;

  async function timeOutOverdue(): Promise<number> {
    let count = 0;
    for (const id of await store.overdue(clock.now(), BATCH)) {
      const message = `The task did not finish within ${Math.round(deps.taskTimeoutMs / 1000)} s`;
      if (await store.finishUnleased(id, { code: 'TIMEOUT', message }, clock.now())) {
        deps.onFinished(id);
        count++;
      }
    }
    return count;
  }

  /** A lease whose worker is gone: retried with backoff, or FAILed after the last attempt. */
  async function settleAbandoned(lease: Lease, maxAttempts: number, message: string): Promise<boolean> {
    const now = clock.now();
    const error = { code: 'ENGINE_FAILED' as const, message };
    const decision = deps.retry.decide(lease.attempt, maxAttempts, { retryable: true });
    const written = decision.retry
      ? await queue.retry(lease, error, now + decision.delayMs, now)
      : await queue.fail(lease, { ...error, message: `${message} (${lease.attempt} attempts)` }, now);
    if (written) {
      deps.onFinished(lease.taskId);
      log.info({ taskId: lease.taskId, attempt: lease.attempt, retry: decision.retry }, 'abandoned lease settled');
    }
    return written;
  }

  async function reapLeases(): Promise<number> {
    let count = 0;
    for (const lease of await queue.expired(clock.now(), BATCH)) {
      if (await settleAbandoned(lease, lease.maxAttempts, 'The worker running the task stopped responding')) count++;
    }
    if (count > 0) queue.notify();
    return count;
  }

  async function sweepResults(): Promise<number> {
    let count = 0;
    for (const task of await store.expiredResults(clock.now(), BATCH)) {
      // With the previews and records kept beside it (result-key.ts).
      if (task.outputKey) for (const key of resultKeysOf(task.outputKey)) await deps.blobs.delete(key);
      await store.markResultDeleted(task.id, clock.now());
      count++;
    }
    return count;
  }

  return {
    /**
     * Settles at once the leases still held by workers known to be gone: those of the process this
     * one succeeds after it was killed, instead of waiting for their expiry.
     */
    async reclaim(workerIds: readonly string[]): Promise<number> {
      let count = 0;
      for (const lease of await queue.openLeases(workerIds)) {
        const task = await store.get(lease.taskId);
        const message = 'The server process running the task stopped before it finished';
        if (task && (await settleAbandoned(lease, task.maxAttempts, message))) count++;
      }
      if (count > 0) queue.notify();
      return count;
    },

    /** One pass of every job; returns what it did (tests call this directly). */
    async tick() {
      return {
        timedOut: await timeOutOverdue(),
        reaped: await reapLeases(),
        swept: await sweepResults(),
        pruned: await store.pruneIdempotency(clock.now()),
      };
    },

    start(intervalMs: number): () => Promise<void> {
      let current: Promise<unknown> | null = null;
      const timer = setInterval(() => {
        // A slow pass is not stacked on: the next one starts at the first tick after it ends.
        current ??= this.tick()
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
