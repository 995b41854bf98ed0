/**
 * LeaderLock over PostgreSQL session-level advisory locks, held on one dedicated connection: the
 * server releases them when that session ends, however it ends (close, crash, pg_terminate_backend,
 * a network cut noticed by TCP keepalive), so a dead leader never blocks its successor.
 *
 * What it guarantees: among processes whose connections are alive, at most one holds a name. What
 * it does not: a process cut off from the database may believe for a moment that it still holds a
 * name another has taken. That is why nothing depends on it for correctness (the port's comment):
 * every write the reaper makes is a fenced compare-and-set.
 *
 * While it holds a name, each hold() checks the session with a trivial query, so a lost connection
 * is noticed on the next tick; after a loss every name is given up and hold() answers false until
 * a new connection takes it again (if nobody else did meanwhile).
 */
import { CompiledQuery } from 'kysely';
import type pg from 'pg';
import type { LeaderLock } from '../../ports/leader-lock.ts';
import type { PostgresHandle } from './open.ts';

export interface PostgresLeaderLockOptions {
  /** After a failed connection, hold() answers false without trying again for this long. */
  retryMs?: number;
}

export interface PostgresLeaderLock extends LeaderLock {
  /** The backend pid of the lock's session; null when it has none (diagnostics and tests). */
  readonly backendPid: number | null;
}

/**
 * One 64-bit key per name and schema (search_path): fleets, or tests, in other schemas of the same
 * database do not contend.
 */
const TRY_LOCK = (name: string) =>
  CompiledQuery.raw(
    `select pg_try_advisory_lock(hashtextextended('vidforge:leader:' || current_setting('search_path') || ':' || $1, 0)) as held`,
    [name],
  );

export function createPostgresLeaderLock(
  handle: Pick<PostgresHandle, 'dedicatedClient' | 'log' | 'target'>,
  options: PostgresLeaderLockOptions = {},
): PostgresLeaderLock {
  const retryMs = options.retryMs ?? 1_000;
  const { log } = handle;
  const held = new Set<string>();
  let client: pg.Client | null = null;
  let retryAt = 0;
  let closed = false;
  /** hold() calls run one at a time: two ticks must not open two sessions. */
  let turn: Promise<unknown> = Promise.resolve();

  function drop(which: pg.Client, err?: unknown): void {
    if (client !== which) return;
    client = null;
    if (held.size > 0) {
      log.warn({ err, names: [...held] }, `lost the leader lock's connection to ${handle.target}; no longer leader`);
    }
    held.clear();
    void which.end().catch(() => {});
  }

  async function session(): Promise<pg.Client | null> {
    if (client) return client;
    if (performance.now() < retryAt) return null;
    const next = handle.dedicatedClient('leader');
    next.on('error', () => {});
    next.once('end', () => drop(next));
    try {
      await next.connect();
    } catch (err) {
      retryAt = performance.now() + retryMs;
      log.warn({ err }, `the leader lock cannot connect to ${handle.target}; not leader for now`);
      await next.end().catch(() => {});
      return null;
    }
    if (closed) {
      await next.end().catch(() => {});
      return null;
    }
    client = next;
    return next;
  }

  async function tryHold(name: string): Promise<boolean> {
    if (closed) return false;
    const current = await session();
    if (!current) return false;
    try {
      if (held.has(name)) {
        // Already ours: asking again would stack the lock; check the session is still there.
        await current.query('select 1');
        return client === current && held.has(name);
      }
      const { sql, parameters } = TRY_LOCK(name);
      const { rows } = await current.query<{ held: boolean }>(sql, parameters as unknown[]);
      if (rows[0]?.held !== true || client !== current) return false;
      held.add(name);
      return true;
    } catch (err) {
      drop(current, err);
      return false;
    }
  }

  return {
    get backendPid() {
      return (client as (pg.Client & { processID?: number }) | null)?.processID ?? null;
    },

    hold(name) {
      const result = turn.then(() => tryHold(name));
      turn = result.catch(() => {});
      return result;
    },

    async close() {
      closed = true;
      await turn;
      const last = client;
      client = null;
      held.clear();
      // Ending the session releases every advisory lock it holds.
      await last?.end().catch(() => {});
    },
  };
}
