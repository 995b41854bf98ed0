/**
 * Wakes the delivery workers after a ledger write that may have put an event in the outbox (a
 * task's first claim, a commit, a failure, a termination), on every process, through the work
 * signal. Only a hint, like every wake-up: the worker also polls, so a notify lost in a crash
 * between the commit and here costs latency, never an event.
 */
import type { TaskLedger } from '../../ports/task-ledger.ts';
import type { WorkSignal } from '../../ports/work-signal.ts';
import { WEBHOOK_SIGNAL } from './delivery-worker.ts';

export function withOutboxWakeups(ledger: TaskLedger, signal: Pick<WorkSignal, 'notify'>): TaskLedger {
  const wake = <T>(done: T): T => {
    if (done) signal.notify(WEBHOOK_SIGNAL);
    return done;
  };
  return {
    ...ledger,
    claim: async (options) => {
      const lease = await ledger.claim(options);
      if (lease?.attempt === 1) signal.notify(WEBHOOK_SIGNAL);
      return lease;
    },
    commit: async (...args) => wake(await ledger.commit(...args)),
    fail: async (...args) => wake(await ledger.fail(...args)),
    terminate: async (...args) => wake(await ledger.terminate(...args)),
  };
}
