/**
 * WorkSignal inside one process, for the embedded mode: every sleeper is in this process, so a
 * notify wakes them all, whatever engine each serves (a sleeper woken for another engine's work
 * finds nothing to claim and sleeps again: cheap, with a handful of in-process workers). A notify
 * that finds nobody waiting is remembered once, so a worker that was between "claim found nothing"
 * and "wait" when a task arrived does not sleep through it; the cost is at most one extra, empty
 * claim. Other processes on the same SQLite file are not woken: they find work when they poll.
 */
import type { WorkSignal } from '../../ports/work-signal.ts';

export class LocalWorkSignal implements WorkSignal {
  readonly #waiters = new Set<() => void>();
  #pending = false;
  #closed = false;

  notify(_engine: string): void {
    if (this.#waiters.size === 0) {
      this.#pending = true;
      return;
    }
    for (const wake of [...this.#waiters]) wake();
  }

  wait(_engines: readonly string[], ms: number, signal?: AbortSignal): Promise<void> {
    if (this.#closed || this.#pending || signal?.aborted) {
      this.#pending = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', done);
        this.#waiters.delete(done);
        resolve();
      };
      const timer = setTimeout(done, Math.max(0, ms));
      signal?.addEventListener('abort', done, { once: true });
      this.#waiters.add(done);
    });
  }

  /** Wakes every sleeper; later waits return at once (shutdown must not wait out a poll interval). */
  async close(): Promise<void> {
    this.#closed = true;
    for (const wake of [...this.#waiters]) wake();
  }

  /** Workers currently waiting (for tests: nothing may linger after a wait ends). */
  get waiting(): number {
    return this.#waiters.size;
  }
}
