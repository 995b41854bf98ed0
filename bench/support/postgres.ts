/**
 * PostgreSQL for the fleet family: a fresh database per run, created and dropped by the bench, so
 * no figure ever touches anyone's data; reads of its task tables (as task-db.ts reads SQLite); and
 * the CPU time its backends spend, since in a fleet part of every request's work moves there.
 *
 * The server is the one the tests use: VIDFORGE_TEST_DATABASE_URL, or postgres@127.0.0.1:5432/test
 * (`scripts/ensure-postgres` starts it). Only the server and credentials of that URL are used; the
 * bench's own database is created beside the one it names.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { readCpuSeconds } from './processes.ts';

export const BENCH_SERVER_URL = process.env.VIDFORGE_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

export interface BenchDatabase {
  /** The URL every fleet process is given. */
  url: string;
  name: string;
  /**
   * Whether the server runs on this machine: only then can its backends' CPU be read from /proc.
   * Elsewhere the PostgreSQL CPU rows are left out rather than shown as made-up zeros.
   */
  local: boolean;
  countByStatus(status: string): Promise<number>;
  /** Claim (first attempt's started_at) minus created_at of each task, ms, in the database's clock. */
  queueWaits(taskIds: readonly string[]): Promise<number[]>;
  /** Starts counting the CPU time of every backend connected to this database (but this monitor's). */
  backendCpu(): Promise<() => Promise<number>>;
  /** Closes the monitor and drops the database, cutting off whatever is still connected to it. */
  drop(): Promise<void>;
}

async function adminClient(): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: BENCH_SERVER_URL, application_name: 'vidforge bench admin' });
  client.on('error', () => {});
  try {
    await client.connect();
  } catch (error) {
    throw new Error(
      `the fleet family needs PostgreSQL at ${BENCH_SERVER_URL} (${(error as Error).message}); ` +
        'start it with scripts/ensure-postgres or set VIDFORGE_TEST_DATABASE_URL',
      { cause: error },
    );
  }
  return client;
}

export async function createBenchDatabase(): Promise<BenchDatabase> {
  const name = `vf_bench_${randomBytes(6).toString('hex')}`;
  const admin = await adminClient();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const url = new URL(BENCH_SERVER_URL);
  url.pathname = `/${name}`;
  const host = url.hostname;
  const local = host === '' || host === 'localhost' || host.startsWith('127.') || host === '[::1]';
  const monitor = new pg.Client({ connectionString: url.toString(), application_name: 'vidforge bench monitor' });
  monitor.on('error', () => {});
  const drop = async () => {
    await monitor.end().catch(() => {});
    const client = await adminClient();
    try {
      // Works from PostgreSQL 11 on (DROP … WITH (FORCE) needs 13): a child killed mid-run may
      // leave a backend behind for a moment.
      await client.query(
        'SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()',
        [name],
      );
      await client.query(`DROP DATABASE IF EXISTS ${name}`);
    } finally {
      await client.end();
    }
  };
  try {
    await monitor.connect();
  } catch (error) {
    await drop();
    throw error;
  }

  const backends = async (): Promise<number[]> =>
    (
      await monitor.query<{ pid: number }>(
        'SELECT pid FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()',
        [name],
      )
    ).rows.map((r) => r.pid);

  return {
    url: url.toString(),
    name,
    local,
    async countByStatus(status) {
      const { rows } = await monitor.query<{ n: string }>('SELECT count(*) AS n FROM tasks WHERE status = $1', [
        status,
      ]);
      return Number(rows[0]!.n);
    },
    async queueWaits(taskIds) {
      const { rows } = await monitor.query<{ wait: string }>(
        `SELECT min(a.started_at) - t.created_at AS wait FROM tasks t JOIN task_attempts a ON a.task_id = t.id
         WHERE t.id = ANY($1) GROUP BY t.id, t.created_at`,
        [taskIds],
      );
      return rows.map((r) => Number(r.wait));
    },
    async backendCpu() {
      // Per backend: a connection opened during the run counts whole (its start-up was spent
      // then too); one closed during it loses its share. Pools keep theirs 30 s, far past a run.
      const before = new Map((await backends()).map((pid) => [pid, readCpuSeconds(pid)]));
      return async () => {
        let seconds = 0;
        for (const pid of await backends()) {
          const now = readCpuSeconds(pid);
          if (Number.isFinite(now)) seconds += now - (before.get(pid) ?? 0);
        }
        return seconds;
      };
    },
    drop,
  };
}
