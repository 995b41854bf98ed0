import { initial } from './001_initial.ts';
import { runners } from './002_runners.ts';
import { accessVersion } from './003_access_version.ts';
import { workerSlots } from './004_worker_slots.ts';
import { keyLimits } from './005_key_limits.ts';
import { webhooks } from './006_webhooks.ts';
import { usage } from './007_usage.ts';
import { engineState } from './008_engine_state.ts';
import { taskRowVersion } from './009_task_row_version.ts';
import { ascendingListIndexes } from './010_ascending_list_indexes.ts';
import type { Migration } from './migration.ts';

/** Every migration in order; append only. */
export const MIGRATIONS: readonly Migration[] = [
  initial,
  runners,
  accessVersion,
  workerSlots,
  keyLimits,
  webhooks,
  usage,
  engineState,
  taskRowVersion,
  ascendingListIndexes,
];
