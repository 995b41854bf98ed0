/** The SQL-backed ports over one embedded database, as the composition root wires them. */
import type { AccessStore } from '../../ports/access-store.ts';
import type { RunnerStore } from '../../ports/runner-store.ts';
import type { TaskStore } from '../../ports/task-store.ts';
import type { WorkQueue } from '../../ports/work-queue.ts';
import type { WorkerSlots } from '../../ports/worker-slots.ts';
import { createSqliteAccessStore } from './access-store.ts';
import { type OpenSqliteOptions, openSqlite, type SqliteHandle } from './open.ts';
import { createSqliteRunnerStore } from './runner-store.ts';
import { createSqliteTaskStore } from './task-store.ts';
import { createSqliteWorkQueue } from './work-queue.ts';
import { createSqliteWorkerSlots } from './worker-slots.ts';

export interface SqliteAdapters {
  handle: SqliteHandle;
  tasks: TaskStore;
  queue: WorkQueue;
  access: AccessStore;
  runners: RunnerStore;
  slots: WorkerSlots;
  close(): Promise<void>;
}

export function openSqliteAdapters(options: OpenSqliteOptions): SqliteAdapters {
  const handle = openSqlite(options);
  return {
    handle,
    tasks: createSqliteTaskStore(handle),
    queue: createSqliteWorkQueue(handle),
    access: createSqliteAccessStore(handle),
    runners: createSqliteRunnerStore(handle),
    slots: createSqliteWorkerSlots(handle),
    close: () => handle.close(),
  };
}
