/**
 * Results of the per-request version reads, kept until the next commit to the database: where the
 * engine can tell cheaply that nothing was committed (SqlHandle.commitStamp, the embedded SQLite
 * file), a read whose stamp is unchanged returns what the same read returned under that stamp, and
 * runs no statement. Any commit, by any process, changes the stamp and empties the memo, so a read
 * still sees every change committed before it started, as the statement would.
 */
import type { SqlHandle } from './sql-handle.ts';

/** Distinct reads kept per stamp (one per polled task); past it the memo starts over. */
const MAX_ENTRIES = 10_000;

export interface CommitMemo {
  /** What `load` returns, or returned under the current stamp. */
  <T>(key: string, load: () => Promise<T>): Promise<T>;
  /**
   * What a read of `key` would return without running its statement: the value kept under the
   * current stamp, or undefined (nothing kept, a commit since, or no stamp). Synchronous, so that a
   * request whose every answer is known takes no turn of the event loop to learn it.
   */
  peek<T>(key: string): T | undefined;
}

/** Without a stamp: every read runs its statement. */
const passThrough: CommitMemo = Object.assign(<T>(_key: string, load: () => Promise<T>) => load(), {
  peek: () => undefined,
});

export function createCommitMemo(handle: Pick<SqlHandle, 'commitStamp'>): CommitMemo {
  if (!handle.commitStamp) return passThrough;
  const stamp = () => handle.commitStamp?.() ?? null;
  const values = new Map<string, unknown>();
  let under: string | null = null;
  const read = async <T>(key: string, load: () => Promise<T>): Promise<T> => {
    // Read before the statement: the statement then sees at least what the stamp stands for.
    const now = stamp();
    if (now === null) return load();
    if (now !== under) {
      values.clear();
      under = now;
    }
    if (values.has(key)) return values.get(key) as T;
    const value = await load();
    // A read that overlapped a newer stamp's reads may be older than that stamp: not kept.
    if (under === now) {
      if (values.size >= MAX_ENTRIES) values.clear();
      values.set(key, value);
    }
    return value;
  };
  return Object.assign(read, {
    peek<T>(key: string): T | undefined {
      const now = stamp();
      return now !== null && now === under ? (values.get(key) as T | undefined) : undefined;
    },
  });
}
