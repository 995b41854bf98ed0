/**
 * Wake-ups within one process: the embedded mode, where every worker and long-poll shares the
 * process that accepted the task. Channels (engines, and other names such as the webhook worker's)
 * are told apart, as LISTEN/NOTIFY channels are on PostgreSQL: a submit wakes the sleepers of its
 * engine only. (It used to wake every sleeper, the webhook delivery worker included, which then
 * read the outbox for nothing: 5-8 % of a submit's CPU, docs/performance.md.)
 */
import type { WorkSignal } from '../../ports/work-signal.ts';
import { Waker } from './waker.ts';

export function createLocalWorkSignal(): WorkSignal & { readonly waiting: number } {
  const waker = new Waker();
  return {
    notify: (engine) => waker.notify(engine),
    wait: (engines, ms, signal) => waker.wait(engines, ms, signal),
    async close() {},
    get waiting() {
      return waker.waiting;
    },
  };
}
