/** The SQL-backed ports over one database handle, whichever engine holds it. */
import type { AccessStore } from '../../ports/access-store.ts';
import type { RateCounters } from '../../ports/rate-counters.ts';
import type { RunnerStore } from '../../ports/runner-store.ts';
import type { TaskLedger } from '../../ports/task-ledger.ts';
import type { UsageStore } from '../../ports/usage-store.ts';
import type { WebhookStore } from '../../ports/webhook-store.ts';
import type { WorkerSlots } from '../../ports/worker-slots.ts';
import { createSqlAccessStore } from './access-store.ts';
import { createSqlRateCounters } from './rate-counters.ts';
import { createSqlRunnerStore } from './runner-store.ts';
import type { SqlHandle } from './sql-handle.ts';
import { createSqlTaskLedger } from './task-ledger.ts';
import { createSqlUsageStore } from './usage.ts';
import { createSqlWebhookStore } from './webhook-store.ts';
import { createSqlWorkerSlots } from './worker-slots.ts';

export interface SqlAdapters<H extends SqlHandle = SqlHandle> {
  handle: H;
  ledger: TaskLedger;
  access: AccessStore;
  runners: RunnerStore;
  slots: WorkerSlots;
  rateCounters: RateCounters;
  webhooks: WebhookStore;
  usage: UsageStore;
  close(): Promise<void>;
}

export function createSqlAdapters<H extends SqlHandle>(handle: H): SqlAdapters<H> {
  return {
    handle,
    ledger: createSqlTaskLedger(handle),
    access: createSqlAccessStore(handle),
    runners: createSqlRunnerStore(handle),
    slots: createSqlWorkerSlots(handle),
    rateCounters: createSqlRateCounters(handle),
    webhooks: createSqlWebhookStore(handle),
    usage: createSqlUsageStore(handle),
    close: () => handle.close(),
  };
}
