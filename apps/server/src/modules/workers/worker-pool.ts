/**
 * In-process workers: `concurrency` loops that claim, run and wait. Waiting is woken by submits
 * (no fixed delay before work starts), by the next backoff expiry, or by a slow poll for work that
 * other processes queued.
 */
import type { Clock } from '../../ports/clock.ts';
import type { TaskLedger } from '../../ports/task-ledger.ts';
import type { WorkSignal } from '../../ports/work-signal.ts';
import type { StopReason, TaskRunner } from './task-runner.ts';

export interface WorkerPoolOptions {
  ledger: TaskLedger;
  signal: WorkSignal;
  run: TaskRunner;
  clock: Clock;
  engines: readonly string[];
  concurrency: number;
  leaseMs: number;
  pollIntervalMs: number;
  workerIdPrefix: string;
  log: { error(obj: object, msg: string): void };
}

export function createWorkerPool(options: WorkerPoolOptions) {
  const { ledger, signal, clock } = options;
  const life = new AbortController();
  const running = new Map<string, AbortController>();
  const loops: Promise<void>[] = [];

  async function idleWait(): Promise<void> {
    const next = await ledger.nextRunAt(options.engines);
    const untilNext = next === null ? Number.POSITIVE_INFINITY : Math.max(0, next - clock.now());
    await signal.wait(options.engines, Math.min(options.pollIntervalMs, untilNext), life.signal);
  }

  async function loop(workerId: string): Promise<void> {
    while (!life.signal.aborted) {
      try {
        const lease = await ledger.claim({
          workerId,
          engines: options.engines,
          leaseMs: options.leaseMs,
          now: clock.now(),
        });
        if (!lease) {
          await idleWait();
          continue;
        }
        const controller = new AbortController();
        running.set(lease.taskId, controller);
        try {
          await options.run(lease, controller.signal);
        } finally {
          running.delete(lease.taskId);
        }
      } catch (err) {
        options.log.error({ err, workerId }, 'worker loop error');
        await signal.wait(options.engines, 1000, life.signal);
      }
    }
  }

  return {
    start(): void {
      for (let i = 0; i < options.concurrency; i++) loops.push(loop(`${options.workerIdPrefix}:${i}`));
    },
    /** Stops a local run of a task that was finished elsewhere (cancel, timeout). */
    abort(taskId: string, reason: StopReason = 'finished-elsewhere'): void {
      running.get(taskId)?.abort(reason);
    },
    runningCount: () => running.size,
    /**
     * Stops claiming, gives running tasks until `graceMs` to finish, then aborts them; aborted runs
     * release their lease so another worker can take them without waiting for it to expire.
     */
    async stop(graceMs: number): Promise<void> {
      life.abort();
      const all = Promise.allSettled(loops);
      const timer = setTimeout(() => {
        for (const controller of running.values()) controller.abort('shutdown' satisfies StopReason);
      }, graceMs);
      await all;
      clearTimeout(timer);
    },
  };
}

export type WorkerPool = ReturnType<typeof createWorkerPool>;
