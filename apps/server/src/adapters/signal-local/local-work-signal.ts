/**
 * Wake-ups within one process: the embedded mode, where every worker and long-poll shares the
 * process that accepted the task. Engines are not told apart: a sleeper woken for another engine's
 * work makes one empty claim and sleeps again, cheaper than keeping a waker per engine.
 */
import type { WorkSignal } from '../../ports/work-signal.ts';
import { Waker } from './waker.ts';

export function createLocalWorkSignal(): WorkSignal & { readonly waiting: number } {
  const waker = new Waker();
  return {
    notify: () => waker.notify(),
    wait: (_engines, ms, signal) => waker.wait(ms, signal),
    async close() {},
    get waiting() {
      return waker.waiting;
    },
  };
}
