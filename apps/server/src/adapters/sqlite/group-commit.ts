/**
 * Write transactions that share a commit. A commit is most of a submit's cost: SQLite writes every
 * page the insert dirtied (the row and five index leaves) to the WAL, one system call each, and the
 * next insert dirties the same pages again. Transactions asked for in the same turn of the event
 * loop (concurrent submits) run one after another inside one BEGIN IMMEDIATE … COMMIT, each in its
 * own savepoint: raw insert+commit cost 76-99 µs of CPU one per commit, 44-58 µs four per commit and
 * 26-36 µs sixteen per commit on the bench machine (docs/performance.md).
 *
 * What each caller sees is unchanged: its function runs alone (the others run before or after it,
 * never interleaved, as with serial transactions), a throw rolls back its own writes only (ROLLBACK
 * TO its savepoint) and rejects its own promise, and it learns its outcome only after the COMMIT,
 * so a resolved transaction is durable exactly as before. A failed BEGIN or COMMIT, an error that
 * ends the whole transaction (SQLITE_FULL, an I/O error), or a database file found deleted or
 * replaced after the commit fails every transaction of the group (StorageUnavailableError). The
 * BEGIN waits for other processes' locks on timers, as the dialect does.
 */
import type { DatabaseSync } from 'node:sqlite';
import type { Kysely } from 'kysely';
import type { SqlSchema } from '../sql/schema.ts';
import type { StorageGuard } from './dialect.ts';
import type { AsyncLock } from './file-lock.ts';
import { retryWhileBusy, translateSqliteError } from './sqlite-errors.ts';

/** Bounds the wait of the last transaction of a group behind the others. */
const MAX_GROUP = 64;

interface Work {
  fn: (trx: Kysely<SqlSchema>) => Promise<unknown>;
  resolve(value: unknown): void;
  reject(error: unknown): void;
}

export interface GroupCommitDeps {
  raw: DatabaseSync;
  lock: AsyncLock;
  /** Kysely on `raw` that takes no lock: the group holds it. */
  held: Kysely<SqlSchema>;
  /** The dialect's rules (dialect.ts): waiting for other processes' locks, the file check after commit. */
  guard: StorageGuard;
  closed(): boolean;
}

export function createGroupCommit(deps: GroupCommitDeps) {
  const { raw, lock, held } = deps;
  // Prepared once: exec() would parse them again for every member of every group.
  const openMember = raw.prepare('SAVEPOINT group_member');
  const closeMember = raw.prepare('RELEASE group_member');
  const undoMember = raw.prepare('ROLLBACK TO group_member');
  const queue: Work[] = [];
  let scheduled = false;

  function schedule(): void {
    if (scheduled) return;
    scheduled = true;
    // After this turn's I/O callbacks: every request read in this turn has asked by then.
    setImmediate(() => {
      scheduled = false;
      void flush();
    });
  }

  async function flush(): Promise<void> {
    const group = queue.splice(0, MAX_GROUP);
    if (queue.length > 0) schedule();
    const release = await lock.acquire();
    const outcomes: (() => void)[] = [];
    try {
      if (deps.closed()) throw new Error('the database is closed');
      await retryWhileBusy(deps.guard.busyTimeoutMs, () => raw.exec('BEGIN IMMEDIATE'));
      for (const work of group) {
        openMember.run();
        try {
          const value = await work.fn(held);
          closeMember.run();
          outcomes.push(() => work.resolve(value));
        } catch (error) {
          // Gone altogether (SQLITE_FULL, I/O error): nothing of the group can commit.
          if (!raw.isTransaction) throw error;
          undoMember.run();
          closeMember.run();
          outcomes.push(() => work.reject(translateSqliteError(error)));
        }
      }
      raw.exec('COMMIT');
      deps.guard.checkFile();
    } catch (error) {
      const failure = translateSqliteError(error);
      try {
        if (raw.isTransaction) raw.exec('ROLLBACK');
      } finally {
        release();
        for (const work of group) work.reject(failure);
      }
      return;
    }
    release();
    for (const outcome of outcomes) outcome();
  }

  return function transaction<T>(fn: (trx: Kysely<SqlSchema>) => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      queue.push({ fn, resolve: resolve as (value: unknown) => void, reject });
      schedule();
    });
  };
}
