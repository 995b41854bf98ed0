import type { PostgresMigration } from './migration.ts';

/**
 * PLACEHOLDER on the `upstream` branch only: version 4 belongs to the SSE/usage branch. Replace with
 * that branch's migration when merging (and delete this file).
 */
export const reserved4: PostgresMigration = { version: 4, name: 'reserved-4', statements: [] };
