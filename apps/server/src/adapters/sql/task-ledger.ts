/** TaskLedger in SQL, written once for SQLite and PostgreSQL (the differences live in SqlHandle). */
import type { TaskLedger } from '../../ports/task-ledger.ts';
import { createSqlQueueStats } from './queue-stats.ts';
import type { SqlHandle } from './sql-handle.ts';
import { createSqlLeaseWrites } from './task-leases.ts';
import { createSqlTaskRecords } from './task-records.ts';

export function createSqlTaskLedger(handle: SqlHandle): TaskLedger {
  return { ...createSqlTaskRecords(handle), ...createSqlLeaseWrites(handle), ...createSqlQueueStats(handle) };
}
