/**
 * Abort plumbing. Only AbortController/AbortSignal and timers are used (no AbortSignal.any or
 * AbortSignal.timeout), so the core runs on Node 20.0 and every current browser.
 */

/** Why the SDK's own timers aborted a signal; never surfaces to callers as-is. */
export class Elapsed extends Error {
  readonly ms: number;
  constructor(ms: number) {
    super(`timed out after ${ms} ms`);
    this.name = 'Elapsed';
    this.ms = ms;
  }
}

/** The largest delay setTimeout honours; larger values fire at once (they overflow to 1 ms). */
const MAX_TIMER_MS = 2 ** 31 - 1;

export interface LinkedSignal {
  signal: AbortSignal;
  /** Stops the timer and detaches from the parents; call once the guarded work is done. */
  dispose(): void;
}

/**
 * A signal that aborts when any parent aborts (with that parent's reason) or, if `timeoutMs` is
 * finite, with an {@link Elapsed} after that long.
 */
export function linkSignals(parents: (AbortSignal | undefined)[], timeoutMs?: number): LinkedSignal {
  const controller = new AbortController();
  const detach: (() => void)[] = [];
  const abort = (reason: unknown) => {
    if (!controller.signal.aborted) controller.abort(reason);
    for (const undo of detach.splice(0)) undo();
  };
  for (const parent of parents) {
    if (!parent) continue;
    if (parent.aborted) {
      abort(parent.reason);
      break;
    }
    const onAbort = () => abort(parent.reason);
    parent.addEventListener('abort', onAbort, { once: true });
    detach.push(() => parent.removeEventListener('abort', onAbort));
  }
  if (!controller.signal.aborted && timeoutMs !== undefined && Number.isFinite(timeoutMs)) {
    const ms = Math.max(0, timeoutMs);
    const timer = setTimeout(() => abort(new Elapsed(ms)), Math.min(ms, MAX_TIMER_MS));
    detach.push(() => clearTimeout(timer));
  }
  return {
    signal: controller.signal,
    dispose: () => {
      for (const undo of detach.splice(0)) undo();
    },
  };
}

/** Resolves after `ms`, or rejects with the signal's reason as soon as it aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = setTimeout(
      () => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      },
      Math.min(Math.max(0, ms), MAX_TIMER_MS),
    );
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
