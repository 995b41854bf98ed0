/** The SQL-backed ports over one database handle, whichever engine holds it. */
import type { AccessStore } from '../../ports/access-store.ts';
import type { RunnerStore } from '../../ports/runner-store.ts';
import type { TaskStore } from '../../ports/task-store.ts';
import type { WorkQueue } from '../../ports/work-queue.ts';
import type { WorkerSlots } from '../../ports/worker-slots.ts';
import { createSqlAccessStore } from './access-store.ts';
import { createSqlRunnerStore } from './runner-store.ts';
import type { SqlHandle } from './sql-handle.ts';
import { createSqlTaskStore } from './task-store.ts';
import { createSqlWorkQueue } from './work-queue.ts';
import { createSqlWorkerSlots } from './worker-slots.ts';

export interface SqlAdapters<H extends SqlHandle = SqlHandle> {
  handle: H;
  tasks: TaskStore;
  queue: WorkQueue;
  access: AccessStore;
  runners: RunnerStore;
  slots: WorkerSlots;
  close(): Promise<void>;
}

export function createSqlAdapters<H extends SqlHandle>(handle: H): SqlAdapters<H> {
  return {
    handle,
    tasks: createSqlTaskStore(handle),
    queue: createSqlWorkQueue(handle),
    access: createSqlAccessStore(handle),
    runners: createSqlRunnerStore(handle),
    slots: createSqlWorkerSlots(handle),
    close: () => handle.close(),
  };
}
