/**
 * Words for a PENDING task's `queue` (a Vidforge addition, docs/api.md#queue), so every client says
 * the same: its place in line, and the warning that matters most, that no runner is online to take
 * it, so it waits (until its deadline, if none connects) rather than runs. The CLI prints them as
 * they are; the console capitalises them.
 */
import type { Task } from './contract-types.ts';

type Queued = Pick<Task, 'status' | 'queue'>;

/** 1st, 2nd, 3rd, 4th, 11th, 12th, 13th, 21st, 112th ... */
export function ordinal(n: number): string {
  const teen = n % 100 >= 11 && n % 100 <= 13;
  const suffix = teen ? 'th' : (['th', 'st', 'nd', 'rd'][n % 10] ?? 'th');
  return `${n}${suffix}`;
}

/** "queued: 3rd in line", or null when the task does not say where it waits. */
export function queuePlace(task: Queued): string | null {
  const queue = task.status === 'PENDING' ? task.queue : null;
  if (!queue) return null;
  return queue.positionIsLowerBound
    ? `queued: ${queue.position}th or later in line`
    : `queued: ${ordinal(queue.position)} in line`;
}

/** The warning for a task that no runner can take now, else null. */
export function noRunnerWarning(task: Queued): string | null {
  const queue = task.status === 'PENDING' ? task.queue : null;
  if (queue?.runnersOnline !== 0) return null;
  return `no runner serving ${queue.runnerFamily} is online; the task waits until one connects`;
}
