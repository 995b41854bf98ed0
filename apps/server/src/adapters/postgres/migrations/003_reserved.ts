import type { PostgresMigration } from './migration.ts';

/**
 * PLACEHOLDER on the `upstream` branch only: version 3 belongs to the webhooks branch. Replace with
 * that branch's migration when merging (and delete this file).
 */
export const reserved3: PostgresMigration = { version: 3, name: 'reserved-3', statements: [] };
