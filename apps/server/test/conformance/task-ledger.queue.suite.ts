/** TaskLedger conformance: queueStats, what the queue metrics read. Every adapter must pass this unchanged. */
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
  });
}
