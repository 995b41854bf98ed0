import { initial } from './001_initial.ts';
import { runners } from './002_runners.ts';
import { accessVersion } from './003_access_version.ts';
import { workerSlots } from './004_worker_slots.ts';
import { keyLimits } from './005_key_limits.ts';
import { reserved006 } from './006_reserved.ts';
import { usage } from './007_usage.ts';
import type { Migration } from './migration.ts';

/** Every migration in order; append only. */
export const MIGRATIONS: readonly Migration[] = [
  initial,
  runners,
  accessVersion,
  workerSlots,
  keyLimits,
  reserved006,
  usage,
];
