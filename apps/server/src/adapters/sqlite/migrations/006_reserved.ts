import type { Migration } from './migration.ts';

/**
 * Stands in for 006_webhooks, which is written on another branch and replaces this file when the
 * branches meet: versions must be dense (schema-version.ts), and 007_usage follows it. A database
 * that recorded this placeholder is refused by a build that has the real 006 (the names differ),
 * rather than silently skipping it.
 */
export const reserved006: Migration = {
  version: 6,
  name: 'reserved-006',
  up() {},
};
