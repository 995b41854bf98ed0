/**
 * PostgreSQL for tests: the server the development machines run (or VIDFORGE_TEST_DATABASE_URL),
 * one fresh schema per test, dropped with everything in it at cleanup. Everything a test opens
 * (several handles, as several processes would) names the schema, so nothing assumes that two
 * stores share one connection or one file. A server that cannot be reached fails the test with how
 * to start it: these tests never skip.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import {
  type OpenPostgresAdaptersOptions,
  type OpenPostgresOptions,
  openPostgres,
  openPostgresAdapters,
  type PostgresAdapters,
  type PostgresHandle,
  type PostgresLog,
} from '../../src/adapters/postgres/index.ts';

export const TEST_DATABASE_URL = process.env.VIDFORGE_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

/** Tests share the server with other suites and other people's runs: keep pools small. */
export const TEST_POOL_SIZE = 3;

/** A log that keeps what it was told, for tests that expect warnings (and keeps stderr quiet). */
export function memoryLog(): PostgresLog & { messages: string[] } {
  const messages: string[] = [];
  return {
    messages,
    warn(_fields, message) {
      messages.push(message);
    },
  };
}

/** Runs one statement on a short-lived connection of its own (setup, cleanup, sabotage). */
export async function adminQuery<R extends pg.QueryResultRow = pg.QueryResultRow>(
  text: string,
  values: unknown[] = [],
): Promise<R[]> {
  const client = new pg.Client({ connectionString: TEST_DATABASE_URL, application_name: 'vidforge test admin' });
  client.on('error', () => {});
  try {
    await client.connect();
  } catch (error) {
    throw new Error(
      `PostgreSQL is not reachable at ${TEST_DATABASE_URL} (${(error as Error).message || (error as { code?: string }).code}). ` +
        'These tests need a running server: start it with ' +
        '`pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start`, ' +
        'or set VIDFORGE_TEST_DATABASE_URL to a database you may create schemas in.',
      { cause: error },
    );
  }
  try {
    return (await client.query<R>(text, values)).rows;
  } finally {
    await client.end().catch(() => {});
  }
}

export interface TestSchema {
  url: string;
  schema: string;
  /** Drops the schema and everything in it; call after closing what was opened on it. */
  drop(): Promise<void>;
}

/** A fresh, empty schema (created here, so that tests of a missing schema can use `freshSchemaName`). */
export async function createTestSchema(): Promise<TestSchema> {
  const schema = freshSchemaName();
  await adminQuery(`create schema ${schema}`);
  return { url: TEST_DATABASE_URL, schema, drop: () => dropSchema(schema) };
}

export const freshSchemaName = () => `vf_test_${randomBytes(6).toString('hex')}`;

export async function dropSchema(schema: string): Promise<void> {
  await adminQuery(`drop schema if exists ${schema} cascade`);
}

/** Handles opened on one schema, all closed, then the schema dropped, by `cleanup`. */
export interface PostgresTestBed {
  url: string;
  schema: string;
  open(options?: Partial<OpenPostgresOptions>): Promise<PostgresHandle>;
  openAdapters(options?: Partial<OpenPostgresAdaptersOptions>): Promise<PostgresAdapters>;
  /** Registers something else to close before the schema is dropped (signals, locks). */
  defer(close: () => Promise<void>): void;
  cleanup(): Promise<void>;
}

export async function postgresTestBed(): Promise<PostgresTestBed> {
  const { url, schema, drop } = await createTestSchema();
  const closers: (() => Promise<void>)[] = [];
  const base = { url, schema, poolSize: TEST_POOL_SIZE, log: memoryLog() };
  return {
    url,
    schema,
    async open(options = {}) {
      const handle = await openPostgres({ ...base, ...options });
      closers.push(() => handle.close());
      return handle;
    },
    async openAdapters(options = {}) {
      const adapters = await openPostgresAdapters({ ...base, ...options });
      closers.push(() => adapters.close());
      return adapters;
    },
    defer(close) {
      closers.push(close);
    },
    async cleanup() {
      try {
        while (closers.length > 0) await closers.pop()!();
      } finally {
        await drop();
      }
    },
  };
}
