/**
 * The sleepers of one process, by the engines they serve (the local half of a WorkSignal). A wake
 * for an engine that nobody here serves right now is remembered once, so a sleeper that was between
 * "claim found nothing" and "wait" when the work arrived does not sleep through it; the cost is at
 * most one extra, empty claim per engine.
 */
interface Sleeper {
  engines: ReadonlySet<string>;
  done(): void;
}

export class Sleepers {
  readonly #sleepers = new Set<Sleeper>();
  /** Engines woken while nobody served them. */
  readonly #remembered = new Set<string>();
  /** wakeAll() found nobody: the next sleeper, whatever it serves, does not sleep. */
  #rememberedAll = false;

  get size(): number {
    return this.#sleepers.size;
  }

  wake(engine: string): void {
    let woke = false;
    for (const sleeper of [...this.#sleepers]) {
      if (sleeper.engines.has(engine)) {
        sleeper.done();
        woke = true;
      }
    }
    if (!woke) this.#remembered.add(engine);
  }

  wakeAll(): void {
    if (this.#sleepers.size === 0) this.#rememberedAll = true;
    for (const sleeper of [...this.#sleepers]) sleeper.done();
  }

  wait(engines: readonly string[], ms: number, signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) return Promise.resolve();
    if (this.#rememberedAll) {
      this.#rememberedAll = false;
      return Promise.resolve();
    }
    const remembered = engines.filter((engine) => this.#remembered.has(engine));
    if (remembered.length > 0) {
      for (const engine of remembered) this.#remembered.delete(engine);
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const sleeper: Sleeper = {
        engines: new Set(engines),
        done: () => {
          clearTimeout(timer);
          signal?.removeEventListener('abort', sleeper.done);
          this.#sleepers.delete(sleeper);
          resolve();
        },
      };
      const timer = setTimeout(sleeper.done, Math.max(0, ms));
      signal?.addEventListener('abort', sleeper.done, { once: true });
      this.#sleepers.add(sleeper);
    });
  }
}
