/**
 * In-process wake-up for workers waiting on the queue. A notify() that finds nobody waiting is
 * remembered once, so a worker that was between "claim found nothing" and "wait" when a task
 * arrived does not sleep through it; the cost is at most one extra, empty claim.
 */
export class Waker {
  readonly #waiters = new Set<() => void>();
  #pending = false;

  notify(): void {
    if (this.#waiters.size === 0) {
      this.#pending = true;
      return;
    }
    for (const wake of [...this.#waiters]) wake();
  }

  wait(ms: number, signal?: AbortSignal): Promise<void> {
    if (this.#pending || signal?.aborted) {
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

  /** Workers currently waiting (for tests: nothing may linger after a wait ends). */
  get waiting(): number {
    return this.#waiters.size;
  }
}
