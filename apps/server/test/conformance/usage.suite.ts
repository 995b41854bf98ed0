/**
 * Usage accounting and task revisions, on every SQL engine: the terminal transition counts a task
 * once (whatever its retries), by UTC day, key, endpoint, operation and outcome; revisions move
 * with status and progress only.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AccessStore } from '../../src/ports/access-store.ts';
import type { TaskLedger } from '../../src/ports/task-ledger.ts';
import type { UsageStore } from '../../src/ports/usage-store.ts';
import { createTask, ENDPOINT, ENGINE, KEY, T0, VIDEO } from './fixtures.ts';

export interface UsageFixture {
  ledger: TaskLedger;
  usage: UsageStore;
  access: AccessStore;
  cleanup(): Promise<void>;
}

const DAY = 86_400_000;

export function usageSuite(name: string, factory: () => Promise<UsageFixture>): void {
  describe(`usage and revisions: ${name}`, () => {
    let fx: UsageFixture;
    beforeEach(async () => {
      fx = await factory();
    });
    afterEach(async () => {
      await fx.cleanup();
    });

    const claim = (now: number) => fx.ledger.claim({ workerId: 'w1', engines: [ENGINE], leaseMs: 30_000, now });

    it('moves a task revision with each status and progress change, and only then', async () => {
      const task = await createTask(fx.ledger);
      const seen = async () => (await fx.ledger.revisions([task.id, 'no-such-task'])).get(task.id);
      expect(await seen()).toBe(0);
      const lease = await claim(T0 + 10);
      if (!lease) throw new Error('no claim');
      expect(await seen()).toBe(1);
      await fx.ledger.heartbeat(lease, 0.25, 30_000, T0 + 20);
      expect(await seen()).toBe(2);
      // The same progress again renews the lease and changes nothing a client sees.
      await fx.ledger.heartbeat(lease, 0.25, 30_000, T0 + 30);
      expect(await seen()).toBe(2);
      await fx.ledger.commit(lease, { outputKey: 'results/x/1.mp4', video: VIDEO, retainUntil: T0 + DAY }, T0 + 40);
      expect(await seen()).toBe(3);
      expect((await fx.ledger.get(task.id))?.revision).toBe(3);
      const map = await fx.ledger.revisions([task.id, 'no-such-task']);
      expect([...map.keys()]).toEqual([task.id]);
    });

    it('moves a task row version with every change of the row, revisions or not', async () => {
      const task = await createTask(fx.ledger);
      expect(await fx.ledger.rowVersion('no-such-task')).toBeNull();
      let last = -1;
      const moved = async () => {
        const version = await fx.ledger.rowVersion(task.id);
        const record = await fx.ledger.get(task.id);
        // What get() returns carries the version it was read at: the poll's cache relies on it.
        expect(record?.rowVersion).toBe(version);
        expect(version).toBeGreaterThan(last);
        last = version ?? Number.NaN;
        return record;
      };
      await moved();
      const lease = await claim(T0 + 10);
      if (!lease) throw new Error('no claim');
      await moved();
      await fx.ledger.heartbeat(lease, 0.5, 30_000, T0 + 20);
      await moved();
      await fx.ledger.commit(lease, { outputKey: 'results/x/1.mp4', video: VIDEO, retainUntil: T0 + DAY }, T0 + 40);
      const before = await moved();
      // A change that leaves status and progress alone (so no new revision) moves it too.
      await fx.ledger.markResultDeleted(task.id, T0 + 50);
      const after = await moved();
      expect(after?.revision).toBe(before?.revision);
      expect(after?.resultDeletedAt).toBe(T0 + 50);
      // The poll's one read: the access version and the task's row version together.
      expect(await fx.access.accessVersionWithTask(task.id)).toEqual({
        access: await fx.access.accessVersion(),
        taskRowVersion: last,
      });
      expect(await fx.access.accessVersionWithTask('no-such-task')).toEqual({
        access: await fx.access.accessVersion(),
        taskRowVersion: null,
      });
    });

    it('counts a task once when it ends, with every attempt in its engine time', async () => {
      const task = await createTask(fx.ledger);
      // First attempt: 1 s, then retried; second attempt: 3 s, then SUCCESS.
      const first = await claim(T0 + 1_000);
      if (!first) throw new Error('no claim');
      await fx.ledger.retry(first, { code: 'ENGINE_FAILED', message: 'x' }, T0 + 2_000, T0 + 2_000);
      expect(await fx.usage.daily({})).toEqual([]);
      const second = await claim(T0 + 3_000);
      if (!second) throw new Error('no claim');
      await fx.ledger.commit(second, { outputKey: 'k', video: VIDEO, retainUntil: T0 + DAY }, T0 + 6_000);
      // A stale repeat of the commit writes nothing and counts nothing.
      expect(await fx.ledger.commit(second, { outputKey: 'k', video: VIDEO, retainUntil: T0 + DAY }, T0 + 7_000)).toBe(
        false,
      );
      const day = new Date(T0 + 6_000).toISOString().slice(0, 10);
      expect(await fx.usage.daily({})).toEqual([
        {
          day,
          keyId: KEY,
          keyName: null,
          endpointId: ENDPOINT,
          endpointPath: null,
          type: 'generate',
          outcome: 'succeeded',
          tasks: 1,
          videoSeconds: VIDEO.durationSeconds,
          engineMs: 4_000,
        },
      ]);
      expect(task.id).toBeTruthy();
    });

    it('separates outcomes, keys and days, filters, and sums all time per endpoint', async () => {
      // Succeeded today (twice), failed today, cancelled (from PENDING) tomorrow under another key.
      for (const at of [T0, T0 + 100]) {
        await createTask(fx.ledger, { createdAt: at });
        const lease = await claim(at + 10);
        if (!lease) throw new Error('no claim');
        await fx.ledger.commit(lease, { outputKey: `k${at}`, video: VIDEO, retainUntil: T0 + DAY }, at + 510);
      }
      await createTask(fx.ledger, { type: 'upscale', seed: null });
      const failing = await claim(T0 + 1_000);
      if (!failing) throw new Error('no claim');
      await fx.ledger.fail(failing, { code: 'SOURCE_INVALID', message: 'bad' }, T0 + 1_250);
      const other = await createTask(fx.ledger, { keyId: 'key_other', createdAt: T0 + DAY });
      await fx.ledger.terminate(other.id, { code: 'CANCELLED', message: 'by client' }, T0 + DAY + 5);

      const today = new Date(T0).toISOString().slice(0, 10);
      const tomorrow = new Date(T0 + DAY).toISOString().slice(0, 10);
      const rows = await fx.usage.daily({});
      expect(rows.map((r) => [r.day, r.keyId, r.type, r.outcome, r.tasks, r.videoSeconds, r.engineMs])).toEqual([
        [today, KEY, 'generate', 'succeeded', 2, 2 * VIDEO.durationSeconds, 1_000],
        [today, KEY, 'upscale', 'failed', 1, 0, 250],
        [tomorrow, 'key_other', 'generate', 'cancelled', 1, 0, 0],
      ]);
      expect((await fx.usage.daily({ keyId: 'key_other' })).map((r) => r.outcome)).toEqual(['cancelled']);
      expect((await fx.usage.daily({ since: tomorrow })).map((r) => r.day)).toEqual([tomorrow]);
      expect((await fx.usage.daily({ until: today })).length).toBe(2);
      expect(await fx.usage.daily({ endpoint: 'nope' })).toEqual([]);
      expect((await fx.usage.daily({ endpoint: ENDPOINT })).length).toBe(3);

      const totals = (await fx.usage.totals()).sort((a, b) => a.outcome.localeCompare(b.outcome));
      expect(totals.map((t) => [t.type, t.outcome, t.tasks, t.videoSeconds, t.engineMs])).toEqual([
        ['generate', 'cancelled', 1, 0, 0],
        ['upscale', 'failed', 1, 0, 250],
        ['generate', 'succeeded', 2, 2 * VIDEO.durationSeconds, 1_000],
      ]);
    });
  });
}
