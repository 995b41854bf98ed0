import type { Migration } from './migration.ts';

/**
 * PLACEHOLDER on the `upstream` branch only: version 7 belongs to the SSE/usage branch. Replace with
 * that branch's migration when merging (and delete this file).
 */
export const reserved7: Migration = { version: 7, name: 'reserved-7', up() {} };
