import type { Migration } from './migration.ts';

/**
 * One counter that every change to who may call what moves: keys, endpoints and the grants between.
 * API processes cache key and endpoint lookups and read this counter (one primary-key SELECT) before
 * trusting their cache, so a revoked key fails on its very next request in every process, whoever
 * made the change (the admin CLI, another replica). Triggers rather than application code, so no
 * writer can forget it: the bump commits in the same transaction as the change, cascades included.
 * A per-request write to these tables (say, a `last_used_at` stamp) would empty every cache on every
 * request: such a column must be left out of the UPDATE trigger.
 */
const TABLES = ['access_keys', 'endpoints', 'key_endpoints'] as const;
const EVENTS = ['INSERT', 'UPDATE', 'DELETE'] as const;

const STATEMENTS = [
  `CREATE TABLE access_version (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    version INTEGER NOT NULL
  ) STRICT`,
  'INSERT INTO access_version (id, version) VALUES (1, 1)',
  ...TABLES.flatMap((table) =>
    EVENTS.map(
      (event) =>
        `CREATE TRIGGER ${table}_${event.toLowerCase()}_access_version AFTER ${event} ON ${table}
         BEGIN UPDATE access_version SET version = version + 1 WHERE id = 1; END`,
    ),
  ),
];

export const accessVersion: Migration = {
  version: 3,
  name: 'access_version',
  up(db) {
    for (const statement of STATEMENTS) db.exec(statement);
  },
};
