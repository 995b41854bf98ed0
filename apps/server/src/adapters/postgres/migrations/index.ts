import { initial } from './001_initial.ts';
import { keyLimits } from './002_key_limits.ts';
import { webhooks } from './003_webhooks.ts';
import { usage } from './004_usage.ts';
import { engineState } from './005_engine_state.ts';
import { taskRowVersion } from './006_task_row_version.ts';
import { ascendingListIndexes } from './007_ascending_list_indexes.ts';
import type { PostgresMigration } from './migration.ts';

/** Every migration in order; append only. */
export const MIGRATIONS: readonly PostgresMigration[] = [
  initial,
  keyLimits,
  webhooks,
  usage,
  engineState,
  taskRowVersion,
  ascendingListIndexes,
];
