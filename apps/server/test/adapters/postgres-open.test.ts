/**
 * Opening PostgreSQL against the real server: settings checked before any connection, a server
 * that is down or a database that is missing said in one line, bigint read as numbers without
 * touching pg's global parsers, and connections lost mid-use (pg_terminate_backend) answered with
 * StorageUnavailableError and replaced, never crashing the process.
 */
import { once } from 'node:events';
import { createServer } from 'node:net';
import { sql } from 'kysely';
import pg from 'pg';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  DatabaseUrlError,
  databaseUrlProblem,
  openPostgres,
  redactDatabaseUrl,
} from '../../src/adapters/postgres/index.ts';
import { StorageUnavailableError } from '../../src/ports/storage-errors.ts';
import {
  adminQuery,
  memoryLog,
  type PostgresTestBed,
  postgresTestBed,
  TEST_DATABASE_URL,
} from '../support/postgres.ts';

/** A port nothing listens on: bound, then closed. */
async function closedPort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  server.close();
  await once(server, 'close');
  return port;
}

/** Waits (on an event-loop turn at a time, never asserting how long) until `check` holds. */
async function until(check: () => boolean | Promise<boolean>, what: string): Promise<void> {
  for (let i = 0; i < 500; i++) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`gave up waiting for ${what}`);
}

const backendsOf = async (applicationName: string) =>
  (
    await adminQuery<{ pid: number }>('select pid from pg_stat_activity where application_name = $1', [applicationName])
  ).map((row) => row.pid);

const terminate = (pid: number) => adminQuery('select pg_terminate_backend($1)', [pid]);

describe('database URLs', () => {
  it('accepts postgres:// and postgresql:// URLs, with a host or a socket directory', () => {
    expect(databaseUrlProblem('postgres://u:p@db.internal:5432/vidforge?sslmode=require')).toBeNull();
    expect(databaseUrlProblem('postgresql://db/vidforge')).toBeNull();
    expect(databaseUrlProblem('postgres:///vidforge?host=/run/postgresql')).toBeNull();
  });

  it('names what is wrong without repeating the URL, which may hold a password', () => {
    const cases = [
      'mysql://u:hunter22@h/db',
      'http://u:hunter22@h/db',
      'not a url hunter22',
      'postgres://u:hunter22@/db',
      ' postgres://u:hunter22@h/db',
      'postgres://u:hunter22@h:99999/db',
      'postgres://u:hunter22@h/db#frag',
    ];
    for (const text of cases) {
      const problem = databaseUrlProblem(text);
      expect(problem, text).toBeTypeOf('string');
      expect(problem, text).not.toContain('hunter22');
    }
    expect(databaseUrlProblem('mysql://h/db')).toMatch(/postgres:\/\/ or postgresql:\/\//);
  });

  it('redacts the password for messages', () => {
    expect(redactDatabaseUrl('postgres://vf:s3cret@h:5432/db')).toBe('postgres://vf:***@h:5432/db');
    expect(redactDatabaseUrl('postgres://h/db?password=s3cret')).not.toContain('s3cret');
  });
});

describe('openPostgres', () => {
  let bed: PostgresTestBed;
  beforeEach(async () => {
    bed = await postgresTestBed();
  });
  afterEach(async () => {
    await bed?.cleanup();
  });

  it('refuses bad settings before connecting', async () => {
    for (const poolSize of [0, -1, 1.5, 1001, Number.NaN]) {
      await expect(openPostgres({ url: bed.url, poolSize }), String(poolSize)).rejects.toThrow(
        /poolSize must be an integer from 1 to 1000/,
      );
    }
    for (const schema of ['Public', 'x; drop table tasks', '', '1abc', 'a'.repeat(49), 'ä']) {
      await expect(openPostgres({ url: bed.url, schema }), schema).rejects.toThrow(DatabaseUrlError);
    }
    await expect(openPostgres({ url: 'mysql://root:hunter22@h/db' })).rejects.toThrow(
      /^the database URL must start with postgres:\/\//,
    );
  });

  it('puts every connection in its schema and reads bigint as numbers, leaving pg.types alone', async () => {
    const handle = await bed.open();
    const { rows } = await sql<{
      schema: string;
      big: unknown;
      count: unknown;
    }>`select current_schema() as schema, 9007199254740991::bigint as big, count(*) as count from pg_class`.execute(
      handle.db,
    );
    expect(rows[0]!.schema).toBe(bed.schema);
    expect(rows[0]!.big).toBe(Number.MAX_SAFE_INTEGER);
    expect(typeof rows[0]!.count).toBe('number');

    const dedicated = handle.dedicatedClient('test');
    dedicated.on('error', () => {});
    await dedicated.connect();
    try {
      const result = await dedicated.query('select current_schema() as schema, 5::bigint as five');
      expect(result.rows[0]).toEqual({ schema: bed.schema, five: 5 });
    } finally {
      await dedicated.end();
    }

    const plain = new pg.Client({ connectionString: TEST_DATABASE_URL });
    await plain.connect();
    try {
      expect((await plain.query('select 5::bigint as five')).rows[0].five).toBe('5');
    } finally {
      await plain.end();
    }
  });

  it('says the server is unreachable, with the URL but not its password, as StorageUnavailableError', async () => {
    const port = await closedPort();
    const error = await openPostgres({ url: `postgres://vf:hunter22@127.0.0.1:${port}/test`, connectTimeoutMs: 5_000 })
      .then(() => null)
      .catch((e: unknown) => e as Error);
    expect(error).toBeInstanceOf(StorageUnavailableError);
    expect(error!.message).toBe(
      `cannot connect to the database postgres://vf:***@127.0.0.1:${port}/test: the database server refused the connection (is it running?)`,
    );
  });

  it('says how to fix a database that does not exist', async () => {
    const url = new URL(TEST_DATABASE_URL);
    url.pathname = '/vidforge_no_such_database';
    await expect(openPostgres({ url: url.toString() })).rejects.toThrow(
      /cannot connect to the database .*vidforge_no_such_database: .*does not exist \(create the database first/,
    );
  });

  it('answers a read-only transaction with StorageUnavailableError and a constraint violation as itself', async () => {
    const handle = await bed.open();
    await sql`create table t (id integer primary key)`.execute(handle.db);
    const readOnly = handle.transaction(async (trx) => {
      await sql`set transaction read only`.execute(trx);
      await sql`insert into t values (1)`.execute(trx);
    });
    await expect(readOnly).rejects.toThrow(StorageUnavailableError);
    await expect(readOnly).rejects.toThrow(/read-only/);

    await sql`insert into t values (1)`.execute(handle.db);
    const duplicate = await sql`insert into t values (1)`.execute(handle.db).then(
      () => ({ code: 'none' }),
      (e: unknown) => e as { code?: string },
    );
    expect(duplicate).not.toBeInstanceOf(StorageUnavailableError);
    expect(duplicate.code).toBe('23505');
  });

  it('fails a transaction whose connection is terminated, then serves from a new connection', async () => {
    const applicationName = `vidforge test ${bed.schema}`;
    const log = memoryLog();
    const handle = await bed.open({ applicationName, log });
    const inTransaction = handle.transaction(async (trx) => {
      const { rows } = await sql<{ pid: number }>`select pg_backend_pid() as pid`.execute(trx);
      await terminate(rows[0]!.pid);
      // The 'error' that pg emits on this checked-out connection must not end the process.
      await until(() => log.messages.length > 0, 'the lost connection to be reported');
      await sql`select 1`.execute(trx);
    });
    await expect(inTransaction).rejects.toThrow(StorageUnavailableError);
    await expect(inTransaction).rejects.toThrow(/connection to the database was lost/);

    const { rows } = await sql<{ one: number }>`select 1 as one`.execute(handle.db);
    expect(rows).toEqual([{ one: 1 }]);
  });

  it('drops idle connections the server terminated, logging rather than crashing', async () => {
    const applicationName = `vidforge test idle ${bed.schema}`;
    const log = memoryLog();
    const handle = await bed.open({ applicationName, log });
    await Promise.all([1, 2].map(() => handle.transaction((trx) => sql`select pg_sleep(0.01)`.execute(trx))));
    const pids = await backendsOf(applicationName);
    expect(pids.length).toBeGreaterThan(0);
    for (const pid of pids) await terminate(pid);
    await until(() => log.messages.length >= pids.length, 'every idle connection to be reported');
    expect(log.messages[0]).toMatch(/an idle connection to .* failed; it was dropped/);

    const { rows } = await sql<{ one: number }>`select 1 as one`.execute(handle.db);
    expect(rows).toEqual([{ one: 1 }]);
  });

  it('reports a pool that cannot get a connection as StorageUnavailableError', async () => {
    const handle = await bed.open({ poolSize: 1, connectTimeoutMs: 200 });
    let release!: () => void;
    const held = handle.transaction(
      (trx) =>
        new Promise<void>((resolve) => {
          release = resolve;
          void sql`select 1`.execute(trx);
        }),
    );
    await until(() => release !== undefined, 'the only connection to be taken');
    await expect(sql`select 1`.execute(handle.db)).rejects.toThrow(
      /Storage unavailable: no database connection became free in time/,
    );
    release();
    await held;
  });

  it('closes idempotently, also when nothing was ever queried through Kysely', async () => {
    const handle = await bed.open();
    await Promise.all([handle.close(), handle.close()]);
    await handle.close();
  });
});
