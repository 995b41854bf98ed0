/**
 * TaskLedger conformance: queueStats, what the queue metrics read, and tasksAhead, a pending task's
 * place in its queue. Every adapter must pass this unchanged.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTask, ENGINE, type LedgerFactory, type LedgerFixture, T0 } from './fixtures.ts';

const ERROR = { code: 'ENGINE_FAILED', message: 'boom' } as const;

export function ledgerQueueSuite(name: string, factory: LedgerFactory): void {
  describe(`TaskLedger conformance (queue stats): ${name}`, () => {
    let fx: LedgerFixture;
    beforeEach(async () => {
      fx = await factory();
    });
    afterEach(async () => {
      await fx.cleanup();
    });

    const claim = (now: number, engines: readonly string[] = [ENGINE]) =>
      fx.ledger.claim({ workerId: 'w1', engines, leaseMs: 1000, now });
    /** A new task as the ledger holds it (with its runAfter). */
    const created = async (overrides: Parameters<typeof createTask>[1]) =>
      (await fx.ledger.get((await createTask(fx.ledger, overrides)).id))!;

    it('is empty on an empty ledger', async () => {
      expect(await fx.ledger.queueStats(100)).toEqual({ engines: [], truncated: false });
    });

    it('counts pending and running tasks per engine with the oldest pending runAfter', async () => {
      await createTask(fx.ledger, { createdAt: T0 + 30 });
      await createTask(fx.ledger, { createdAt: T0 + 10 });
      await createTask(fx.ledger, { createdAt: T0 + 20 });
      await createTask(fx.ledger, { createdAt: T0 + 5, engine: 'runner:wan' });
      // The oldest preview task is claimed: the oldest pending one is now the one of T0 + 20.
      expect((await claim(T0 + 100))?.attempt).toBe(1);
      expect(await fx.ledger.queueStats(100)).toEqual({
        engines: [
          { engine: ENGINE, pending: 2, inProgress: 1, oldestRunAfter: T0 + 20 },
          { engine: 'runner:wan', pending: 1, inProgress: 0, oldestRunAfter: T0 + 5 },
        ],
        truncated: false,
      });
    });

    it('leaves finished tasks out, and reports a retry by the time it may run again', async () => {
      const done = await createTask(fx.ledger, { createdAt: T0 });
      await fx.ledger.terminate(done.id, { code: 'CANCELLED', message: 'x' }, T0 + 1);
      await createTask(fx.ledger, { createdAt: T0 + 2 });
      const lease = (await claim(T0 + 3))!;
      expect(await fx.ledger.retry(lease, ERROR, T0 + 5000, T0 + 4)).toBe(true);
      expect(await fx.ledger.queueStats(100)).toEqual({
        engines: [{ engine: ENGINE, pending: 1, inProgress: 0, oldestRunAfter: T0 + 5000 }],
        truncated: false,
      });
      await fx.ledger.terminate(lease.taskId, { code: 'CANCELLED', message: 'x' }, T0 + 6);
      expect(await fx.ledger.queueStats(100)).toEqual({ engines: [], truncated: false });
    });

    it('stops at the scan limit and says so, the oldest still exact for the engines it reached', async () => {
      for (let i = 0; i < 5; i++) await createTask(fx.ledger, { createdAt: T0 + 10 - i, engine: 'a' });
      for (let i = 0; i < 3; i++) await createTask(fx.ledger, { createdAt: T0 + i, engine: 'b' });
      const full = await fx.ledger.queueStats(8);
      expect(full.truncated).toBe(false);
      expect(full.engines.map((e) => [e.engine, e.pending])).toEqual([
        ['a', 5],
        ['b', 3],
      ]);
      const cut = await fx.ledger.queueStats(4);
      expect(cut.truncated).toBe(true);
      expect(cut.engines).toEqual([{ engine: 'a', pending: 5, inProgress: 0, oldestRunAfter: T0 + 6 }]);
    });

    it('counts the pending tasks of the same engine that would be claimed first', async () => {
      const first = await created({ createdAt: T0 + 10 });
      const second = await created({ createdAt: T0 + 20 });
      const third = await created({ createdAt: T0 + 30 });
      // Another engine's queue is not this one's.
      await created({ createdAt: T0 + 1, engine: 'runner:ltx2' });
      expect(await fx.ledger.tasksAhead(first, 1000)).toBe(0);
      expect(await fx.ledger.tasksAhead(second, 1000)).toBe(1);
      expect(await fx.ledger.tasksAhead(third, 1000)).toBe(2);
      // A claimed task is no longer ahead of anyone.
      expect((await claim(T0 + 100))?.taskId).toBe(first.id);
      expect(await fx.ledger.tasksAhead(third, 1000)).toBe(1);
    });

    it('follows the claim order: a retry waits behind tasks runnable before it', async () => {
      const retried = await created({ createdAt: T0 });
      const later = await created({ createdAt: T0 + 10 });
      const lease = (await claim(T0 + 20))!;
      expect(lease.taskId).toBe(retried.id);
      expect(await fx.ledger.retry(lease, ERROR, T0 + 5000, T0 + 21)).toBe(true);
      const back = (await fx.ledger.get(retried.id))!;
      expect(await fx.ledger.tasksAhead(back, 1000)).toBe(1);
      expect(await fx.ledger.tasksAhead(later, 1000)).toBe(0);
    });

    it('breaks ties of time by id, as the claim does, so two tasks never both come first', async () => {
      const a = await created({ createdAt: T0 });
      const b = await created({ createdAt: T0 });
      const ahead = [await fx.ledger.tasksAhead(a, 1000), await fx.ledger.tasksAhead(b, 1000)];
      expect([...ahead].sort()).toEqual([0, 1]);
      const claimed = (await claim(T0 + 1))!;
      // The one the claim took is the one nothing was ahead of.
      expect(await fx.ledger.tasksAhead(claimed.taskId === a.id ? a : b, 1000)).toBe(0);
      expect(ahead[claimed.taskId === a.id ? 0 : 1]).toBe(0);
    });

    it('stops counting at the limit', async () => {
      for (let i = 0; i < 5; i++) await created({ createdAt: T0 + i });
      const last = await created({ createdAt: T0 + 10 });
      expect(await fx.ledger.tasksAhead(last, 3)).toBe(3);
      expect(await fx.ledger.tasksAhead(last, 5)).toBe(5);
      expect(await fx.ledger.tasksAhead(last, 6)).toBe(5);
    });
  });
}
