/** The task counters and histograms, fed by TaskEvents. */
import { Counter, Histogram, type Registry } from 'prom-client';
import { QUEUE_WAIT_SECONDS, RUN_SECONDS } from './buckets.ts';
import type { TaskEvents } from './task-events.ts';

export function createTaskMetrics(registry: Registry): TaskEvents {
  const registers = [registry];
  const accepted = new Counter({
    name: 'vidforge_tasks_accepted_total',
    help: 'Tasks created by submits (replayed Idempotency-Keys not counted)',
    labelNames: ['type', 'engine'] as const,
    registers,
  });
  const refused = new Counter({
    name: 'vidforge_tasks_refused_total',
    help: 'Submits refused by admission control; nothing was written',
    labelNames: ['type', 'engine', 'code'] as const,
    registers,
  });
  const finished = new Counter({
    name: 'vidforge_tasks_finished_total',
    help: 'Tasks that reached SUCCESS or FAIL',
    labelNames: ['type', 'engine', 'status'] as const,
    registers,
  });
  const failed = new Counter({
    name: 'vidforge_tasks_failed_total',
    help: 'Tasks that reached FAIL, by error code (CANCELLED and TIMEOUT included)',
    labelNames: ['type', 'engine', 'code'] as const,
    registers,
  });
  const retried = new Counter({
    name: 'vidforge_task_retries_total',
    help: 'Failed attempts put back in the queue for another attempt, by error code',
    labelNames: ['type', 'engine', 'code'] as const,
    registers,
  });
  const queueWait = new Histogram({
    name: 'vidforge_task_queue_wait_seconds',
    help: 'Time from when a task could run (submit, or the end of its retry backoff) to its claim',
    labelNames: ['type', 'engine'] as const,
    buckets: QUEUE_WAIT_SECONDS,
    registers,
  });
  const run = new Histogram({
    name: 'vidforge_task_run_duration_seconds',
    help: 'Time from the claim of an attempt to its end, for attempts ended by the worker or runner that ran them',
    labelNames: ['type', 'engine', 'outcome'] as const,
    buckets: RUN_SECONDS,
    registers,
  });

  return {
    accepted: (task) => accepted.inc({ type: task.type, engine: task.engine }),
    refused: (task, code) => refused.inc({ type: task.type, engine: task.engine, code }),
    started: (task, waitedMs) =>
      queueWait.observe({ type: task.type, engine: task.engine }, Math.max(0, waitedMs) / 1000),
    attemptEnded: (task, outcome, durationMs) =>
      run.observe({ type: task.type, engine: task.engine, outcome }, Math.max(0, durationMs) / 1000),
    retried: (task, code) => retried.inc({ type: task.type, engine: task.engine, code }),
    finished(task, code) {
      finished.inc({ type: task.type, engine: task.engine, status: code === null ? 'SUCCESS' : 'FAIL' });
      if (code !== null) failed.inc({ type: task.type, engine: task.engine, code });
    },
  };
}
