/**
 * Presents Node's built-in `node:sqlite` DatabaseSync with the better-sqlite3 surface that Kysely's
 * SqliteDialect drives (`prepare` → statement with `reader`, `all`, `run`, `iterate`; `close`).
 */
import type { DatabaseSync, SQLInputValue, StatementSync } from 'node:sqlite';
import type { QueryResult, SqliteDatabase, SqliteStatement } from 'kysely';

/**
 * Kysely compiles the same query shapes over and over; preparing each once saves the SQL parse on
 * every call: TaskLedger.get through Kysely took 10.5 µs cached against 33-35 µs uncached (Node
 * 24.21, 50k lookups by id on a WAL file). Bounded because `IN (?, ?, …)` lists make the set of
 * distinct texts open-ended.
 */
const STATEMENT_CACHE_SIZE = 256;

class NodeSqliteStatement implements SqliteStatement {
  readonly reader: boolean;
  readonly #statement: StatementSync;

  constructor(statement: StatementSync) {
    this.#statement = statement;
    // Statements that yield columns (SELECT, RETURNING, most PRAGMAs) are read with all().
    this.reader = statement.columns().length > 0;
  }

  all(parameters: ReadonlyArray<unknown>): unknown[] {
    return this.#statement.all(...toInputs(parameters));
  }

  run(parameters: ReadonlyArray<unknown>): { changes: number | bigint; lastInsertRowid: number | bigint } {
    return this.#statement.run(...toInputs(parameters));
  }

  iterate(parameters: ReadonlyArray<unknown>): IterableIterator<unknown> {
    return this.#statement.iterate(...toInputs(parameters)) as IterableIterator<unknown>;
  }
}

export class NodeSqliteDatabase implements SqliteDatabase {
  readonly #database: DatabaseSync;
  readonly #statements = new Map<string, NodeSqliteStatement>();

  constructor(database: DatabaseSync) {
    this.#database = database;
  }

  prepare(sql: string): SqliteStatement {
    const cached = this.#statements.get(sql);
    if (cached) {
      // Re-insert so the Map's insertion order doubles as least-recently-used order.
      this.#statements.delete(sql);
      this.#statements.set(sql, cached);
      return cached;
    }
    const statement = new NodeSqliteStatement(this.#database.prepare(sql));
    this.#statements.set(sql, statement);
    if (this.#statements.size > STATEMENT_CACHE_SIZE) {
      const oldest = this.#statements.keys().next().value;
      if (oldest !== undefined) this.#statements.delete(oldest);
    }
    return statement;
  }

  /** Whether a transaction is open (SQLite may have rolled one back by itself). */
  get inTransaction(): boolean {
    return this.#database.isTransaction;
  }

  /** Runs one statement now, as Kysely's SqliteConnection would, from the statement cache. */
  runNow<R>(sql: string, parameters: ReadonlyArray<unknown>): QueryResult<R> {
    const statement = this.prepare(sql);
    if (statement.reader) return { rows: statement.all(parameters) as R[] };
    const { changes, lastInsertRowid } = statement.run(parameters);
    return { rows: [], numAffectedRows: BigInt(changes), insertId: BigInt(lastInsertRowid) };
  }

  /** Number of prepared statements held; exposed for tests of the cache. */
  get cachedStatements(): number {
    return this.#statements.size;
  }

  close(): void {
    this.#statements.clear();
    if (this.#database.isOpen) this.#database.close();
  }
}

/** node:sqlite binds only null, numbers, bigints, strings and bytes; booleans become 0/1. */
function toInputs(parameters: ReadonlyArray<unknown>): SQLInputValue[] {
  return parameters.map((value) => {
    if (typeof value === 'boolean') return value ? 1 : 0;
    if (value === undefined) return null;
    return value as SQLInputValue;
  });
}
