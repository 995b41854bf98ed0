import type { Migration } from './migration.ts';

const STATEMENTS = [
  // A server process's stable identity on its host (docs/architecture.md, "Every task ends"): its
  // in-process workers' lease ids are `local:<host>:<slot>:<n>`, so a restart recognises the
  // leases its killed predecessor held.
  `CREATE TABLE worker_slots (
    host TEXT NOT NULL,
    slot INTEGER NOT NULL CHECK (slot >= 0),
    pid INTEGER NOT NULL,
    claimed_at INTEGER NOT NULL,
    -- Written by every readiness probe: proof that the database still takes this server's writes.
    seen_at INTEGER NOT NULL,
    PRIMARY KEY (host, slot)
  ) STRICT`,
];

export const workerSlots: Migration = {
  version: 4,
  name: 'worker-slots',
  up(db) {
    for (const statement of STATEMENTS) db.exec(statement);
  },
};
