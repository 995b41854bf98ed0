/**
 * Wake-ups for workers and long-polling runners. Only a hint: the ledger is the one source of truth,
 * and every sleeper also wakes on its own after a bounded interval, so a wake-up lost in a crash
 * between a commit and its notify costs latency, never a task.
 */
export interface WorkSignal {
  /** Work for `engine` may be claimable now: wake the sleepers that serve it, on every process. */
  notify(engine: string): void;
  /**
   * Resolves on a notify for one of `engines`, after `ms`, or when `signal` aborts. A notify that
   * found nobody waiting is remembered once, so a sleeper that was between "claim found nothing"
   * and "wait" when the work arrived does not sleep through it.
   */
  wait(engines: readonly string[], ms: number, signal?: AbortSignal): Promise<void>;
  close(): Promise<void>;
}
