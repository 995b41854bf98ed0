/**
 * Turn-taking between handles on the same file inside one process. busy_timeout makes SQLite wait
 * *synchronously*, which blocks the one event loop that the lock holder needs to finish its own
 * transaction: without turns, two handles in one process stall for the whole busy_timeout and then
 * fail with SQLITE_BUSY. Other processes are served by busy_timeout as usual.
 */
export class AsyncLock {
  #tail: Promise<void> = Promise.resolve();
  /** Holders and waiters. */
  #users = 0;

  /**
   * Nobody holds the lock or waits for it: work done synchronously now, before the next await,
   * cannot interleave with anyone's turn (no transaction is open on any handle on this file).
   */
  get idle(): boolean {
    return this.#users === 0;
  }

  /** Resolves with the release function once every earlier holder has released. */
  acquire(): Promise<() => void> {
    this.#users += 1;
    let resolveHeld!: () => void;
    const held = new Promise<void>((resolve) => {
      resolveHeld = resolve;
    });
    let released = false;
    const release = () => {
      if (released) return;
      released = true;
      this.#users -= 1;
      resolveHeld();
    };
    const turn = this.#tail.then(() => release);
    this.#tail = this.#tail.then(() => held);
    return turn;
  }
}

const locks = new Map<string, { lock: AsyncLock; users: number }>();

/** The lock shared by every open handle on `key` (the file's real path); `done` on close. */
export function useFileLock(key: string): { lock: AsyncLock; done(): void } {
  let entry = locks.get(key);
  if (!entry) {
    entry = { lock: new AsyncLock(), users: 0 };
    locks.set(key, entry);
  }
  entry.users += 1;
  const used = entry;
  let released = false;
  return {
    lock: used.lock,
    done() {
      if (released) return;
      released = true;
      used.users -= 1;
      if (used.users === 0 && locks.get(key) === used) locks.delete(key);
    },
  };
}
