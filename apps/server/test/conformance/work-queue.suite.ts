/**
 * WorkQueue conformance: leases, fencing and wake-ups. Every adapter must pass this unchanged.
 * Time is passed explicitly; only the waitForWork tests use the real clock.
 */
import { getEventListeners } from 'node:events';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Lease } from '../../src/ports/work-queue.ts';
import { createTask, ENGINE, type StoreFactory, type StoreFixture, T0, VIDEO } from './fixtures.ts';

const LEASE_MS = 1000;
const ERROR = { code: 'ENGINE_FAILED', message: 'boom' } as const;

export function workQueueSuite(name: string, factory: StoreFactory): void {
  describe(`WorkQueue conformance: ${name}`, () => {
    let fx: StoreFixture;
    beforeEach(async () => {
      fx = await factory();
    });
    afterEach(async () => {
      await fx.cleanup();
    });

    const claim = (now: number, engines: readonly string[] = [ENGINE], workerId = 'w1') =>
      fx.queue.claim({ workerId, engines, leaseMs: LEASE_MS, now });
    const result = (now: number) => ({ outputKey: 'results/x.mp4', video: VIDEO, retainUntil: now + 10_000 });
    const get = async (id: string) => (await fx.store.get(id))!;

    /** Every fenced write with `lease` is refused and leaves the task as it was. */
    async function expectFenced(lease: Lease, now: number) {
      const before = await get(lease.taskId);
      expect(await fx.queue.heartbeat(lease, 0.9, LEASE_MS, now)).toEqual({ ok: false });
      expect(await fx.queue.complete(lease, result(now), now)).toBe(false);
      expect(await fx.queue.retry(lease, ERROR, now, now)).toBe(false);
      expect(await fx.queue.fail(lease, ERROR, now)).toBe(false);
      expect(await fx.queue.release(lease, now)).toBe(false);
      expect(await get(lease.taskId)).toEqual(before);
    }

    describe('claim', () => {
      it('leases the task: IN_PROGRESS, attempt 1, expiry now + leaseMs, an unguessable token', async () => {
        const task = await createTask(fx.store);
        const lease = await claim(T0 + 10);
        expect(lease).toMatchObject({ taskId: task.id, attempt: 1, workerId: 'w1', expiresAt: T0 + 10 + LEASE_MS });
        expect(lease?.token).toMatch(/^[A-Za-z0-9_-]{22,}$/);
        expect(await get(task.id)).toMatchObject({
          status: 'IN_PROGRESS',
          attempts: 1,
          updatedAt: T0 + 10,
          progress: 0,
        });
      });

      it('takes nothing when nothing is runnable, for no engines or for other engines', async () => {
        expect(await claim(T0)).toBeNull();
        await createTask(fx.store, { engine: 'other' });
        expect(await claim(T0, [])).toBeNull();
        expect(await claim(T0, [ENGINE])).toBeNull();
        expect((await claim(T0, ['other', ENGINE]))?.workerId).toBe('w1');
      });

      it('takes the oldest runnable task first and never the same task twice', async () => {
        const second = await createTask(fx.store, { createdAt: T0 + 2 });
        const first = await createTask(fx.store, { createdAt: T0 + 1 });
        const a = await claim(T0 + 10);
        const b = await claim(T0 + 10);
        expect([a?.taskId, b?.taskId]).toEqual([first.id, second.id]);
        expect(a?.token).not.toBe(b?.token);
        expect(await claim(T0 + 10)).toBeNull();
      });

      it('gives each task to exactly one of many concurrent claimers', async () => {
        for (let i = 0; i < 5; i++) await createTask(fx.store, { createdAt: T0 + i });
        const leases = await Promise.all(Array.from({ length: 20 }, (_, i) => claim(T0 + 10, [ENGINE], `w${i}`)));
        const won = leases.filter((l) => l !== null);
        expect(won).toHaveLength(5);
        expect(new Set(won.map((l) => l.taskId)).size).toBe(5);
      });

      it('does not take a task before its runAfter (retry backoff)', async () => {
        const task = await createTask(fx.store);
        const lease = await claim(T0 + 10);
        expect(await fx.queue.retry(lease!, ERROR, T0 + 500, T0 + 20)).toBe(true);
        expect(await claim(T0 + 499)).toBeNull();
        expect(await fx.queue.nextRunAt([ENGINE])).toBe(T0 + 500);
        const again = await claim(T0 + 500);
        expect(again).toMatchObject({ taskId: task.id, attempt: 2 });
        expect(again?.token).not.toBe(lease?.token);
      });
    });

    describe('heartbeat', () => {
      it('extends the lease and keeps progress within [current, 0.99]', async () => {
        const task = await createTask(fx.store);
        const lease = (await claim(T0))!;
        expect(await fx.queue.heartbeat(lease, 0.3, LEASE_MS, T0 + 100)).toEqual({ ok: true, expiresAt: T0 + 1100 });
        expect(await get(task.id)).toMatchObject({ progress: 0.3, updatedAt: T0 + 100 });
        await fx.queue.heartbeat(lease, 0.2, LEASE_MS, T0 + 200);
        expect((await get(task.id)).progress).toBe(0.3);
        await fx.queue.heartbeat(lease, Number.NaN, LEASE_MS, T0 + 300);
        await fx.queue.heartbeat(lease, -1, LEASE_MS, T0 + 300);
        expect((await get(task.id)).progress).toBe(0.3);
        await fx.queue.heartbeat(lease, 1.5, LEASE_MS, T0 + 400);
        expect((await get(task.id)).progress).toBe(0.99);
        expect(await fx.queue.expired(T0 + 1401, 10)).toHaveLength(1);
        expect(await fx.queue.expired(T0 + 1400, 10)).toEqual([]);
      });

      it('still holds after expiry until the lease is reaped, and wins over a reaper that saw it expired', async () => {
        const task = await createTask(fx.store);
        const lease = (await claim(T0))!;
        const [seen] = await fx.queue.expired(T0 + 1500, 10);
        expect(seen).toMatchObject({
          taskId: task.id,
          token: lease.token,
          attempt: 1,
          maxAttempts: 3,
          expiresAt: T0 + 1000,
        });
        expect(await fx.queue.heartbeat(lease, 0.5, LEASE_MS, T0 + 1600)).toEqual({ ok: true, expiresAt: T0 + 2600 });
        expect(await fx.queue.retry(seen!, ERROR, T0 + 1700, T0 + 1700)).toBe(false);
        expect(await fx.queue.fail(seen!, ERROR, T0 + 1700)).toBe(false);
        expect(await fx.queue.expired(T0 + 1700, 10)).toEqual([]);
        expect(await fx.queue.complete(lease, result(T0 + 1800), T0 + 1800)).toBe(true);
      });
    });

    describe('fencing', () => {
      it('refuses a forged token and a token for another task', async () => {
        const a = await createTask(fx.store, { createdAt: T0 });
        await createTask(fx.store, { createdAt: T0 + 1 });
        const leaseA = (await claim(T0 + 10))!;
        const leaseB = (await claim(T0 + 10))!;
        await expectFenced({ ...leaseA, token: 'forged-token-000000000000' }, T0 + 20);
        await expectFenced({ ...leaseB, taskId: a.id }, T0 + 20);
      });

      it('refuses the old worker after the reaper retried its expired lease', async () => {
        const task = await createTask(fx.store);
        const lease = (await claim(T0))!;
        const [seen] = await fx.queue.expired(T0 + 2000, 10);
        expect(await fx.queue.retry(seen!, ERROR, T0 + 2000, T0 + 2000)).toBe(true);
        expect(await get(task.id)).toMatchObject({ status: 'PENDING', attempts: 1, error: null, runAfter: T0 + 2000 });
        await expectFenced(lease, T0 + 2100);
        const next = (await claim(T0 + 2100, [ENGINE], 'w2'))!;
        await expectFenced(lease, T0 + 2200);
        expect(await fx.queue.complete(next, result(T0 + 2300), T0 + 2300)).toBe(true);
      });

      it('refuses every write once the task completed, failed or was cancelled', async () => {
        for (const end of ['complete', 'fail', 'cancel'] as const) {
          const task = await createTask(fx.store);
          const lease = (await claim(T0))!;
          if (end === 'complete') expect(await fx.queue.complete(lease, result(T0 + 10), T0 + 10)).toBe(true);
          if (end === 'fail') expect(await fx.queue.fail(lease, ERROR, T0 + 10)).toBe(true);
          if (end === 'cancel') await fx.store.finishUnleased(task.id, { code: 'CANCELLED', message: 'x' }, T0 + 10);
          await expectFenced(lease, T0 + 20);
        }
      });
    });

    describe('outcomes', () => {
      it('complete: SUCCESS with the result, progress 1', async () => {
        const task = await createTask(fx.store);
        const lease = (await claim(T0))!;
        await fx.queue.heartbeat(lease, 0.4, LEASE_MS, T0 + 5);
        expect(await fx.queue.complete(lease, result(T0 + 10), T0 + 10)).toBe(true);
        expect(await get(task.id)).toMatchObject({
          status: 'SUCCESS',
          progress: 1,
          video: VIDEO,
          outputKey: 'results/x.mp4',
          retainUntil: T0 + 10_010,
          finishedAt: T0 + 10,
          updatedAt: T0 + 10,
          error: null,
          attempts: 1,
        });
      });

      it('retry: PENDING again with progress kept and no task error', async () => {
        const task = await createTask(fx.store);
        const lease = (await claim(T0))!;
        await fx.queue.heartbeat(lease, 0.6, LEASE_MS, T0 + 5);
        expect(await fx.queue.retry(lease, ERROR, T0 + 300, T0 + 10)).toBe(true);
        expect(await get(task.id)).toMatchObject({
          status: 'PENDING',
          progress: 0.6,
          error: null,
          runAfter: T0 + 300,
          attempts: 1,
          finishedAt: null,
          updatedAt: T0 + 10,
        });
      });

      it('fail: FAIL with the error', async () => {
        const task = await createTask(fx.store);
        const lease = (await claim(T0))!;
        const error = { code: 'SOURCE_INVALID', message: 'not a video' } as const;
        expect(await fx.queue.fail(lease, error, T0 + 10)).toBe(true);
        expect(await get(task.id)).toMatchObject({ status: 'FAIL', error, finishedAt: T0 + 10, attempts: 1 });
      });

      it('release: PENDING at once and the attempt does not count', async () => {
        const task = await createTask(fx.store);
        const lease = (await claim(T0))!;
        expect(await fx.queue.release(lease, T0 + 10)).toBe(true);
        expect(await get(task.id)).toMatchObject({ status: 'PENDING', attempts: 0 });
        await expectFenced(lease, T0 + 11);
        const again = await claim(T0 + 11);
        expect(again).toMatchObject({ taskId: task.id, attempt: 1 });
        expect(await get(task.id)).toMatchObject({ status: 'IN_PROGRESS', attempts: 1 });
      });
    });

    describe('remote runners', () => {
      it('claims only the asked operations', async () => {
        const generate = await createTask(fx.store, { type: 'generate' });
        const upscale = await createTask(fx.store, { type: 'upscale', seed: null });
        const opts = { workerId: 'r1', engines: [ENGINE], leaseMs: LEASE_MS, now: T0 };
        expect(await fx.queue.claim({ ...opts, types: [] })).toBeNull();
        expect((await fx.queue.claim({ ...opts, types: ['upscale'] }))?.taskId).toBe(upscale.id);
        expect(await fx.queue.claim({ ...opts, types: ['upscale', 'extend'] })).toBeNull();
        expect((await fx.queue.claim(opts))?.taskId).toBe(generate.id);
      });

      it('finds an attempt by its token, open or ended, with its staged output', async () => {
        const task = await createTask(fx.store);
        const lease = (await claim(T0, [ENGINE], 'runner:a'))!;
        expect(await fx.queue.attempt(task.id, lease.token)).toEqual({ lease, outcome: null, output: null });
        expect(await fx.queue.stageOutput(lease, VIDEO)).toBe(true);
        expect((await fx.queue.attempt(task.id, lease.token))?.output).toEqual(VIDEO);
        await fx.store.finishUnleased(task.id, { code: 'CANCELLED', message: 'x' }, T0 + 10);
        expect((await fx.queue.attempt(task.id, lease.token))?.outcome).toBe('cancelled');
        expect(await fx.queue.stageOutput(lease, VIDEO)).toBe(false);
        expect(await fx.queue.attempt(task.id, 'forged-token-forged-token')).toBeNull();
        expect(await fx.queue.attempt('other-task', lease.token)).toBeNull();
      });

      it('lists the open leases of workers with their progress and stage', async () => {
        const [a, b] = [await createTask(fx.store), await createTask(fx.store)];
        const first = (await claim(T0, [ENGINE], 'runner:a'))!;
        const second = (await claim(T0 + 1, [ENGINE], 'runner:b'))!;
        await fx.queue.heartbeat(first, 0.5, LEASE_MS, T0 + 5, 'denoising');
        expect(await fx.queue.openLeases(['runner:a', 'runner:b'])).toEqual([
          { ...first, expiresAt: T0 + 5 + LEASE_MS, progress: 0.5, stage: 'denoising' },
          { ...second, progress: 0, stage: null },
        ]);
        expect(await fx.queue.openLeases([])).toEqual([]);
        await fx.queue.release(second, T0 + 6);
        expect((await fx.queue.openLeases(['runner:b'])).map((l) => l.taskId)).toEqual([]);
        expect([a.id, b.id]).toContain(first.taskId);
      });
    });

    describe('expired and nextRunAt', () => {
      it('lists leases past expiry, oldest first, up to the limit', async () => {
        await createTask(fx.store, { createdAt: T0, maxAttempts: 5 });
        await createTask(fx.store, { createdAt: T0 + 1 });
        const a = (await claim(T0))!;
        const b = (await claim(T0 + 100, [ENGINE], 'w2'))!;
        expect(await fx.queue.expired(T0 + 1000, 10)).toEqual([]);
        expect(await fx.queue.expired(T0 + 1001, 10)).toEqual([{ ...a, maxAttempts: 5 }]);
        expect(await fx.queue.expired(T0 + 5000, 10)).toEqual([
          { ...a, maxAttempts: 5 },
          { ...b, maxAttempts: 3 },
        ]);
        expect(await fx.queue.expired(T0 + 5000, 1)).toHaveLength(1);
        const [seen] = await fx.queue.expired(T0 + 5000, 1);
        expect(await fx.queue.fail(seen!, ERROR, T0 + 5000)).toBe(true);
        expect(await fx.queue.expired(T0 + 5000, 10)).toEqual([{ ...b, maxAttempts: 3 }]);
      });

      it('nextRunAt is the earliest runAfter of PENDING tasks of the engines', async () => {
        expect(await fx.queue.nextRunAt([ENGINE])).toBeNull();
        await createTask(fx.store, { createdAt: T0 + 50 });
        await createTask(fx.store, { createdAt: T0 + 20, engine: 'other' });
        await createTask(fx.store, { createdAt: T0 + 10 });
        expect(await fx.queue.nextRunAt([ENGINE])).toBe(T0 + 10);
        expect(await fx.queue.nextRunAt([ENGINE, 'other'])).toBe(T0 + 10);
        expect(await fx.queue.nextRunAt(['other'])).toBe(T0 + 20);
        expect(await fx.queue.nextRunAt([])).toBeNull();
        await claim(T0 + 100);
        expect(await fx.queue.nextRunAt([ENGINE])).toBe(T0 + 50);
      });
    });

    describe('waitForWork', () => {
      const timers = () => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;

      it('wakes on notify, long before the timeout', async () => {
        const started = performance.now();
        const waiting = fx.queue.waitForWork(10_000);
        setTimeout(() => fx.queue.notify(), 10);
        await waiting;
        expect(performance.now() - started).toBeLessThan(5000);
      });

      it('leaves no timer or abort listener behind after many waits', async () => {
        // Counted over many waits so that timers of the test runner itself cannot mask a leak.
        const baseline = timers();
        const controller = new AbortController();
        for (let i = 0; i < 50; i++) {
          const waiting = fx.queue.waitForWork(60_000, controller.signal);
          await new Promise((r) => setImmediate(r));
          fx.queue.notify();
          await waiting;
        }
        expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
        expect(timers()).toBeLessThan(baseline + 5);
      });

      it('returns after the timeout without a notify', async () => {
        const started = performance.now();
        await fx.queue.waitForWork(30);
        expect(performance.now() - started).toBeGreaterThanOrEqual(25);
      });

      it('returns on abort, and at once for a signal already aborted', async () => {
        const baseline = timers();
        const controller = new AbortController();
        const waiting = fx.queue.waitForWork(10_000, controller.signal);
        controller.abort();
        await waiting;
        expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
        await fx.queue.waitForWork(10_000, AbortSignal.abort());
        expect(timers()).toBeLessThanOrEqual(baseline);
      });

      it('wakes every waiter on one notify', async () => {
        const waits = Array.from({ length: 3 }, () => fx.queue.waitForWork(10_000));
        await new Promise((r) => setTimeout(r, 5));
        fx.queue.notify();
        await Promise.all(waits);
      });
    });
  });
}
