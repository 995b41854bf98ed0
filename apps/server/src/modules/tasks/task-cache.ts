/**
 * The tasks that polls read, kept in the process and trusted only while their row has not changed.
 * A task changes a few times in its life and is polled thousands of times; reading and parsing its
 * whole row on every poll was the largest database cost of a poll (docs/performance.md). Each read
 * now asks the store for the row's `rowVersion` (one integer by primary key), which a trigger moves
 * with every update of the row, in whichever process, so a change committed anywhere before the
 * read is seen by it; only when the version moved is the row read again.
 *
 * Records handed out are shared between requests, so they are frozen. Bounded: past `max` tasks the
 * oldest entry goes (a poll of it then reads the row once more).
 */
import type { TaskLedger, TaskRecord } from '../../ports/task-ledger.ts';

export const DEFAULT_TASK_CACHE_SIZE = 10_000;

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const inner of Object.values(value)) deepFreeze(inner);
  }
  return value;
}

export function createTaskCache(ledger: Pick<TaskLedger, 'get' | 'rowVersion'>, max = DEFAULT_TASK_CACHE_SIZE) {
  const held = new Map<string, TaskRecord>();

  function keep(task: TaskRecord): void {
    const present = held.get(task.id);
    // Reads that overlap may finish out of order: the newest row wins.
    if (present && present.rowVersion >= task.rowVersion) return;
    if (!present && held.size >= max) held.delete(held.keys().next().value as string);
    held.set(task.id, deepFreeze(task));
  }

  return {
    /**
     * The task as it is now (as of a read that starts after this call), or null when there is none.
     * `rowVersion`, when given, is the row's version read already for this request (after it
     * arrived), with null for no such task.
     */
    async get(id: string, rowVersion?: number | null): Promise<TaskRecord | null> {
      const version = rowVersion === undefined ? await ledger.rowVersion(id) : rowVersion;
      const cached = held.get(id);
      if (version === null) {
        if (cached) held.delete(id);
        return null;
      }
      if (cached && cached.rowVersion === version) return cached;
      const task = await ledger.get(id);
      if (!task) {
        held.delete(id);
        return null;
      }
      keep(task);
      return task;
    },

    /** Tasks held, for tests of the bound. */
    size: () => held.size,
  };
}

export type TaskCache = ReturnType<typeof createTaskCache>;
