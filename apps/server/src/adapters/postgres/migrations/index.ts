import { initial } from './001_initial.ts';
import type { PostgresMigration } from './migration.ts';

/** Every migration in order; append only. */
export const MIGRATIONS: readonly PostgresMigration[] = [initial];
