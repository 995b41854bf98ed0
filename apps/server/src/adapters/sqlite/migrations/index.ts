import { initial } from './001_initial.ts';
import { runners } from './002_runners.ts';
import { accessVersion } from './003_access_version.ts';
import type { Migration } from './migration.ts';

/** Every migration in order; append only. */
export const MIGRATIONS: readonly Migration[] = [initial, runners, accessVersion];
