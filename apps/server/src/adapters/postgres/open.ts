/**
 * Opens PostgreSQL for the fleet: Kysely over one `pg.Pool`, every failure that means "the database
 * cannot serve now" translated to StorageUnavailableError (dialect.ts), and dedicated connections
 * with the same settings for what must not share a pooled one (LISTEN, session advisory locks).
 */
import { type CompiledQuery, Kysely, type QueryResult } from 'kysely';
import pg from 'pg';
import { StorageUnavailableError } from '../../ports/storage-errors.ts';
import type { SqlSchema } from '../sql/schema.ts';
import type { SqlHandle } from '../sql/sql-handle.ts';
import { connectionUrl, redactDatabaseUrl } from './connection-url.ts';
import { TranslatingPostgresDialect } from './dialect.ts';
import { translatePgError } from './pg-errors.ts';

export const DEFAULT_POOL_SIZE = 10;
export const MAX_POOL_SIZE = 1000;
/** hashtextextended (advisory lock keys) and identity columns. */
const MIN_SERVER_VERSION = 110000;

/** Where the adapter reports trouble it handles itself (a dropped idle connection, a failed notify). pino's Logger fits. */
export interface PostgresLog {
  warn(fields: { err?: unknown; [key: string]: unknown }, message: string): void;
}

const stderrLog: PostgresLog = {
  warn(fields, message) {
    const err = fields.err instanceof Error ? `: ${fields.err.message}` : '';
    process.stderr.write(`vidforge: ${message}${err}\n`);
  },
};

export interface OpenPostgresOptions {
  /** postgres://USER:PASSWORD@HOST:PORT/DATABASE (sslmode and other libpq-style parameters allowed). */
  url: string;
  /** Connections this process keeps at most; every replica has its own pool (docs/fleet.md). */
  poolSize?: number;
  /** Puts every table (and the migrations' record) in this schema; created by the migrations when missing. */
  schema?: string;
  /** Longest wait for a new connection, or for a free one of the pool, before StorageUnavailableError. */
  connectTimeoutMs?: number;
  /** An idle pooled connection is closed after this. */
  idleTimeoutMs?: number;
  /** Shown in pg_stat_activity, so an operator can tell Vidforge's connections apart. */
  applicationName?: string;
  log?: PostgresLog;
}

export interface PostgresHandle extends SqlHandle {
  readonly dialect: 'postgres';
  /** The URL without its password, for messages. */
  readonly target: string;
  readonly schema: string | undefined;
  readonly log: PostgresLog;
  /** Runs through Kysely on a pooled connection: pg parses and plans each statement on the server. */
  executeQuery<R>(query: CompiledQuery<R>): Promise<QueryResult<R>>;
  /** `db.transaction().execute(fn)`: READ COMMITTED, a throw rolls back and rejects. */
  transaction<T>(fn: (trx: Kysely<SqlSchema>) => Promise<T>): Promise<T>;
  /**
   * A new connection outside the pool, with the pool's settings (schema, type parsing, timeouts),
   * not yet connected: for LISTEN and session-level advisory locks, which belong to one session.
   * The caller connects it, listens for its 'error' and ends it.
   */
  dedicatedClient(purpose: string): pg.Client;
  close(): Promise<void>;
}

/**
 * bigint (int8) columns hold epoch-millisecond times and counts, far below 2^53: read them as JS
 * numbers, as SQLite gives them. Set per pool rather than on the global `pg.types`, so nothing
 * else in the process that uses `pg` is changed.
 */
const INT8_OID = 20;
const parseInt8 = (text: string) => Number(text);
const TYPES: pg.CustomTypesConfig = {
  getTypeParser: ((oid: number, format?: string) =>
    oid === INT8_OID && format !== 'binary'
      ? parseInt8
      : pg.types.getTypeParser(oid, format as 'text')) as pg.CustomTypesConfig['getTypeParser'],
};

function positiveInteger(name: string, value: number, max: number): number {
  if (!Number.isInteger(value) || value < 1 || value > max) {
    throw new Error(`${name} must be an integer from 1 to ${max}, got ${value}`);
  }
  return value;
}

/**
 * Opens the pool and checks at once that the server answers and is recent enough, so a wrong URL,
 * a refused password or a server that is down stops the boot with one clear message rather than
 * failing the first request. The schema is not checked here: that is the migrations' part.
 */
export async function openPostgres(options: OpenPostgresOptions): Promise<PostgresHandle> {
  const poolSize = positiveInteger('poolSize', options.poolSize ?? DEFAULT_POOL_SIZE, MAX_POOL_SIZE);
  const connectTimeoutMs = positiveInteger('connectTimeoutMs', options.connectTimeoutMs ?? 10_000, 3_600_000);
  const idleTimeoutMs = positiveInteger('idleTimeoutMs', options.idleTimeoutMs ?? 30_000, 3_600_000);
  const log = options.log ?? stderrLog;
  const target = redactDatabaseUrl(options.url);
  const applicationName = options.applicationName ?? 'vidforge';
  const clientConfig: pg.ClientConfig = {
    connectionString: connectionUrl(options.url, options.schema),
    types: TYPES,
    connectionTimeoutMillis: connectTimeoutMs,
    // Notices a peer that vanished without closing (a partition, a crashed host) on idle connections.
    keepAlive: true,
    application_name: applicationName,
  };

  const pool = new pg.Pool({ ...clientConfig, max: poolSize, idleTimeoutMillis: idleTimeoutMs });
  // An idle connection that the server drops (restart, pg_terminate_backend) is reported here; the
  // pool discards it. Without a listener, the EventEmitter would throw and end the process.
  pool.on('error', (err) => log.warn({ err }, `an idle connection to ${target} failed; it was dropped`));
  // A checked-out connection whose server goes away emits 'error' too, outside any query, and has
  // no listener of the pool's then; the query in flight (if any) fails on its own, and the pool
  // discards the connection on release. Idle ones are the pool's 'error' above.
  const checkedOut = new WeakSet<pg.PoolClient>();
  pool.on('acquire', (client) => checkedOut.add(client));
  pool.on('release', (_err, client) => checkedOut.delete(client));
  pool.on('connect', (client) => {
    client.on('error', (err) => {
      if (checkedOut.has(client)) log.warn({ err }, `a connection to ${target} in use failed`);
    });
  });

  try {
    const client = await pool.connect();
    try {
      const { rows } = await client.query<{ version: string }>(
        "select current_setting('server_version_num') as version",
      );
      const version = Number(rows[0]?.version);
      if (!(version >= MIN_SERVER_VERSION)) {
        throw new Error(`PostgreSQL at ${target} is version ${rows[0]?.version}; Vidforge needs 11 or later`);
      }
    } finally {
      client.release();
    }
  } catch (error) {
    await pool.end().catch(() => {});
    throw openError(target, error);
  }

  const db = new Kysely<SqlSchema>({ dialect: new TranslatingPostgresDialect({ pool }) });
  let closing: Promise<void> | undefined;

  return {
    dialect: 'postgres',
    db,
    target,
    schema: options.schema,
    log,
    executeQuery: (query) => db.executeQuery(query),
    transaction: (fn) => db.transaction().execute(fn),
    dedicatedClient: (purpose) => new pg.Client({ ...clientConfig, application_name: `${applicationName} ${purpose}` }),
    close() {
      closing ??= (async () => {
        try {
          // Kysely ends the pool only if it ever used it.
          await db.destroy();
        } finally {
          if (!pool.ended && !pool.ending) await pool.end();
        }
      })();
      return closing;
    },
  };
}

/** The first connection failed: say where, and why, in words an operator can act on. */
function openError(target: string, error: unknown): Error {
  const translated = translatePgError(error);
  const cause = error as { code?: unknown; message?: unknown };
  if (translated instanceof StorageUnavailableError) {
    return new StorageUnavailableError(
      `cannot connect to the database ${target}: ${translated.message.replace(/^Storage unavailable: /, '')}`,
      { cause: error },
    );
  }
  const hint =
    cause.code === '28P01' || cause.code === '28000'
      ? ' (check the user and password in the URL)'
      : cause.code === '3D000'
        ? ' (create the database first, e.g. createdb)'
        : '';
  const message = typeof cause.message === 'string' ? cause.message : String(error);
  if (message.startsWith('PostgreSQL at ')) return error as Error;
  return new Error(`cannot connect to the database ${target}: ${message}${hint}`, { cause: error });
}
