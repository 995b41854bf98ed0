import type { DatabaseSync } from 'node:sqlite';

/**
 * A forward-only step. Versions are dense from 1; a released step never changes, a fix is a new
 * step. `up` runs inside the write transaction that records it, on the raw connection, because
 * the schema must be current before anything else (Kysely included) touches the file.
 */
export interface Migration {
  version: number;
  name: string;
  up(db: DatabaseSync): void;
}
