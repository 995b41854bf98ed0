import type { PostgresMigration } from './migration.ts';

/**
 * Stands in for 003_webhooks, written on another branch, which replaces this file when the branches
 * meet (versions must be dense; 004_usage follows it). A database that recorded this placeholder is
 * refused by a build with the real 003 (the names differ) rather than silently skipping it.
 */
export const reserved003: PostgresMigration = {
  version: 3,
  name: 'reserved-003',
  statements: [],
};
