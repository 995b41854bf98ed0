import { initial } from './001_initial.ts';
import { keyLimits } from './002_key_limits.ts';
import { reserved003 } from './003_reserved.ts';
import { usage } from './004_usage.ts';
import type { PostgresMigration } from './migration.ts';

/** Every migration in order; append only. */
export const MIGRATIONS: readonly PostgresMigration[] = [initial, keyLimits, reserved003, usage];
