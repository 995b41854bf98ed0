import type { Migration } from './migration.ts';

/**
 * PLACEHOLDER on the `upstream` branch only: version 6 belongs to the webhooks branch. Replace with
 * that branch's migration when merging (and delete this file); it exists so that this branch's
 * 008 keeps the versions dense.
 */
export const reserved6: Migration = { version: 6, name: 'reserved-6', up() {} };
