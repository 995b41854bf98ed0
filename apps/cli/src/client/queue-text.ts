/**
 * The human words for a PENDING task's `queue` (docs/api.md#queue): its place in line, and the
 * warning that matters most: no runner is online to take it, so it will wait (until its deadline,
 * if none connects) rather than run. JSON mode prints the field as the server sent it.
 */
import type { Task } from '@vidforge/sdk';

/** 1st, 2nd, 3rd, 4th, 11th, 12th, 13th, 21st, 112th ... */
export function ordinal(n: number): string {
  const teen = n % 100 >= 11 && n % 100 <= 13;
  const suffix = teen ? 'th' : (['th', 'st', 'nd', 'rd'][n % 10] ?? 'th');
  return `${n}${suffix}`;
}

/** "queued: 3rd in line", or null when the task does not say where it waits. */
export function queuedText(task: Task): string | null {
  const queue = task.status === 'PENDING' ? task.queue : null;
  if (!queue) return null;
  return queue.positionIsLowerBound
    ? `queued: ${queue.position}th or later in line`
    : `queued: ${ordinal(queue.position)} in line`;
}

/** The warning for a task that no runner can take now, else null. */
export function noRunnerWarning(task: Task): string | null {
  const queue = task.status === 'PENDING' ? task.queue : null;
  if (queue?.runnersOnline !== 0) return null;
  return `no runner serving ${queue.runnerFamily} is online; the task waits until one connects`;
}
