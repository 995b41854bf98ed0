/**
 * Keeps a fault in one task's work from ending the process.
 *
 * Node ends the process when a callback throws: a socket handler inside the HTTP client (undici 7
 * asserted on a response that ended while paused), a child process's event, a timer. Such an
 * exception cannot be caught by the code that started the work, so each task's work runs inside an
 * AsyncLocalStorage scope. A callback runs in the async context in which its resource (socket,
 * timer, child process) was created, so `uncaughtException` sees the scope of the task that made
 * it: that task's work is stopped and the task fails, once, without a retry that would hit the same
 * fault again, and the process goes on serving everyone else. HTTP requests get a scope too: a fault
 * while handling one fails that request. An exception outside every scope is a fault of the server
 * itself and still ends the process (the caller decides; see `vidforge serve`).
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { EngineError } from '../../engines/engine.ts';

interface FaultScope {
  fault(error: unknown): void;
}

/** What the task ends with: not retryable, because the same input would hit the same fault. */
export function taskFault(): EngineError {
  return new EngineError(
    'INTERNAL_ERROR',
    'An internal fault stopped the work on this task; it is not retried so that it cannot recur',
  );
}

export function createFaultContainment(log: { error(obj: object, msg: string): void }) {
  const scopes = new AsyncLocalStorage<FaultScope>();

  return {
    /**
     * Runs `work` for `taskId` in its own scope. `work` gets a signal that is aborted with the
     * fault, or when `parent` aborts; on a fault the returned promise rejects at once with
     * `taskFault()`, even if `work` never settles.
     */
    async run<T>(taskId: string, parent: AbortSignal, work: (signal: AbortSignal) => Promise<T>): Promise<T> {
      const controller = new AbortController();
      const onParent = () => controller.abort(parent.reason);
      if (parent.aborted) onParent();
      else parent.addEventListener('abort', onParent, { once: true });
      let reject!: (error: EngineError) => void;
      const faulted = new Promise<never>((_, fail) => {
        reject = fail;
      });
      const scope: FaultScope = {
        fault(error) {
          log.error({ err: error, taskId }, 'a fault in a task was contained: the task fails, the server goes on');
          const failure = taskFault();
          // Rejected before the abort: work that settles on abort must not win the race.
          reject(failure);
          controller.abort(failure);
        },
      };
      const working = scopes.run(scope, () => work(controller.signal));
      // Once the fault has won the race, a later rejection of `work` must not go unhandled.
      working.catch(() => {});
      faulted.catch(() => {});
      try {
        return await Promise.race([working, faulted]);
      } finally {
        parent.removeEventListener('abort', onParent);
      }
    },

    /**
     * Runs the rest of an HTTP request's handling (a hook's `done`) in a scope whose fault ends
     * that request alone, through `onFault`.
     */
    runRequest(requestId: string, onFault: () => void, next: () => void): void {
      const scope: FaultScope = {
        fault(error) {
          log.error({ err: error, requestId }, 'a fault in a request was contained: the request fails');
          onFault();
        },
      };
      scopes.run(scope, next);
    },

    /**
     * For the process's `uncaughtException` handler: true when the error belongs to a task's work
     * and was contained; false when it is the server's own and the process should end.
     */
    contain(error: unknown): boolean {
      const scope = scopes.getStore();
      if (!scope) return false;
      scope.fault(error);
      return true;
    },
  };
}

export type FaultContainment = ReturnType<typeof createFaultContainment>;
