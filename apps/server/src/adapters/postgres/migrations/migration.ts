/**
 * A forward-only step for PostgreSQL. Versions are dense from 1 and numbered apart from SQLite's
 * (each dialect has its own list); a released step never changes, a fix is a new step. Its
 * statements run in the transaction that records it, so a step is applied whole or not at all
 * (PostgreSQL DDL is transactional): a statement that cannot run in a transaction, such as
 * CREATE INDEX CONCURRENTLY, does not belong here.
 */
export interface PostgresMigration {
  version: number;
  name: string;
  statements: readonly string[];
}
