/**
 * Queries compiled once. Kysely builds and compiles a query's SQL on every call; for the fixed-shape
 * queries on the request path that was 12-14 % of a poll's and a submit's CPU (docs/performance.md).
 * A query is built once with `arg('name')` where its values go, compiled, and then executed with
 * only its parameters swapped, through the same executor (connection, file lock, transaction).
 * node:sqlite's statement cache (node-sqlite-database.ts) then also skips the parse, as before.
 */
import type { Compilable, CompiledQuery, QueryResult } from 'kysely';

class Arg {
  readonly name: string;
  constructor(name: string) {
    this.name = name;
  }
}

/** A placeholder for the value named `name`, typed as the column it stands for. */
export function arg<T>(name: string): T {
  return new Arg(name) as unknown as T;
}

/**
 * Anything that runs compiled queries: a transaction, the Kysely instance, or the handle, whose
 * executeQuery runs at once when the file is not in use (open.ts): the fastest outside transactions.
 */
export interface QueryRunner {
  executeQuery<R>(query: CompiledQuery<R>): Promise<QueryResult<R>>;
}

export interface Prepared<A extends object, R> {
  readonly sql: string;
  /** The rows; for a statement without RETURNING, an empty list. */
  rows(runner: QueryRunner, args: A): Promise<R[]>;
  /** The first row or undefined. */
  first(runner: QueryRunner, args: A): Promise<R | undefined>;
  /** Rows changed (INSERT, UPDATE, DELETE). */
  changes(runner: QueryRunner, args: A): Promise<bigint>;
}

export function prepare<A extends object, R>(query: Compilable<R>): Prepared<A, R> {
  const compiled = query.compile();
  const slots = compiled.parameters.map((value) => (value instanceof Arg ? value.name : null));
  const bind = (args: A): CompiledQuery<R> => ({
    ...compiled,
    parameters: slots.map((slot, i) => {
      if (slot === null) return compiled.parameters[i];
      const value = (args as Record<string, unknown>)[slot];
      if (value === undefined) throw new Error(`prepare(): no value for arg("${slot}") in ${compiled.sql}`);
      return value;
    }),
  });
  return {
    sql: compiled.sql,
    async rows(runner, args) {
      return (await runner.executeQuery(bind(args))).rows;
    },
    async first(runner, args) {
      return (await runner.executeQuery(bind(args))).rows[0];
    },
    async changes(runner, args) {
      return (await runner.executeQuery(bind(args))).numAffectedRows ?? 0n;
    },
  };
}
