/**
 * TaskLedger conformance: leases and fencing. Every adapter must pass this unchanged.
 * Time is passed explicitly; nothing reads a clock.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Lease } from '../../src/ports/task-ledger.ts';
import { createTask, ENGINE, type LedgerFactory, type LedgerFixture, T0, VIDEO } from './fixtures.ts';

const LEASE_MS = 1000;
const ERROR = { code: 'ENGINE_FAILED', message: 'boom' } as const;

export function ledgerLeasesSuite(name: string, factory: LedgerFactory): void {
  describe(`TaskLedger conformance (leases): ${name}`, () => {
    let fx: LedgerFixture;
    beforeEach(async () => {
      fx = await factory();
    });
    afterEach(async () => {
      await fx.cleanup();
    });

    const claim = (now: number, engines: readonly string[] = [ENGINE], workerId = 'w1') =>
      fx.ledger.claim({ workerId, engines, leaseMs: LEASE_MS, now });
    const result = (now: number) => ({ outputKey: 'results/x.mp4', video: VIDEO, retainUntil: now + 10_000 });
    const get = async (id: string) => (await fx.ledger.get(id))!;

    /** Every fenced write with `lease` is refused and leaves the task as it was. */
    async function expectFenced(lease: Lease, now: number) {
      const before = await get(lease.taskId);
      expect(await fx.ledger.heartbeat(lease, 0.9, LEASE_MS, now)).toEqual({ ok: false });
      expect(await fx.ledger.commit(lease, result(now), now)).toBe(false);
      expect(await fx.ledger.retry(lease, ERROR, now, now)).toBe(false);
      expect(await fx.ledger.fail(lease, ERROR, now)).toBe(false);
      expect(await fx.ledger.release(lease, now)).toBe(false);
      expect(await fx.ledger.checkpoint(lease, '{"stale":true}')).toBe(false);
      expect(await get(lease.taskId)).toEqual(before);
    }

    describe('claim', () => {
      it('leases the task: IN_PROGRESS, attempt 1, expiry now + leaseMs, an unguessable token', async () => {
        const task = await createTask(fx.ledger);
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
        await createTask(fx.ledger, { engine: 'other' });
        expect(await claim(T0, [])).toBeNull();
        expect(await claim(T0, [ENGINE])).toBeNull();
        expect((await claim(T0, ['other', ENGINE]))?.workerId).toBe('w1');
      });

      it('takes the oldest runnable task first and never the same task twice', async () => {
        const second = await createTask(fx.ledger, { createdAt: T0 + 2 });
        const first = await createTask(fx.ledger, { createdAt: T0 + 1 });
        const a = await claim(T0 + 10);
        const b = await claim(T0 + 10);
        expect([a?.taskId, b?.taskId]).toEqual([first.id, second.id]);
        expect(a?.token).not.toBe(b?.token);
        expect(await claim(T0 + 10)).toBeNull();
      });

      it('gives each task to exactly one of many concurrent claimers', async () => {
        for (let i = 0; i < 5; i++) await createTask(fx.ledger, { createdAt: T0 + i });
        const leases = await Promise.all(Array.from({ length: 20 }, (_, i) => claim(T0 + 10, [ENGINE], `w${i}`)));
        const won = leases.filter((l) => l !== null);
        expect(won).toHaveLength(5);
        expect(new Set(won.map((l) => l.taskId)).size).toBe(5);
      });

      it('does not take a task before its runAfter (retry backoff)', async () => {
        const task = await createTask(fx.ledger);
        const lease = await claim(T0 + 10);
        expect(await fx.ledger.retry(lease!, ERROR, T0 + 500, T0 + 20)).toBe(true);
        expect(await claim(T0 + 499)).toBeNull();
        expect(await fx.ledger.nextRunAt([ENGINE])).toBe(T0 + 500);
        const again = await claim(T0 + 500);
        expect(again).toMatchObject({ taskId: task.id, attempt: 2 });
        expect(again?.token).not.toBe(lease?.token);
      });
    });

    describe('heartbeat', () => {
      it('extends the lease and keeps progress within [current, 0.99]', async () => {
        const task = await createTask(fx.ledger);
        const lease = (await claim(T0))!;
        expect(await fx.ledger.heartbeat(lease, 0.3, LEASE_MS, T0 + 100)).toEqual({ ok: true, expiresAt: T0 + 1100 });
        expect(await get(task.id)).toMatchObject({ progress: 0.3, updatedAt: T0 + 100 });
        await fx.ledger.heartbeat(lease, 0.2, LEASE_MS, T0 + 200);
        expect((await get(task.id)).progress).toBe(0.3);
        await fx.ledger.heartbeat(lease, Number.NaN, LEASE_MS, T0 + 300);
        await fx.ledger.heartbeat(lease, -1, LEASE_MS, T0 + 300);
        expect((await get(task.id)).progress).toBe(0.3);
        await fx.ledger.heartbeat(lease, 1.5, LEASE_MS, T0 + 400);
        expect((await get(task.id)).progress).toBe(0.99);
        expect(await fx.ledger.expired(T0 + 1401, 10)).toHaveLength(1);
        expect(await fx.ledger.expired(T0 + 1400, 10)).toEqual([]);
      });

      it('still holds after expiry until the lease is reaped, and wins over a reaper that saw it expired', async () => {
        const task = await createTask(fx.ledger);
        const lease = (await claim(T0))!;
        const [seen] = await fx.ledger.expired(T0 + 1500, 10);
        expect(seen).toMatchObject({
          taskId: task.id,
          token: lease.token,
          attempt: 1,
          maxAttempts: 3,
          expiresAt: T0 + 1000,
        });
        expect(await fx.ledger.heartbeat(lease, 0.5, LEASE_MS, T0 + 1600)).toEqual({ ok: true, expiresAt: T0 + 2600 });
        expect(await fx.ledger.retry(seen!, ERROR, T0 + 1700, T0 + 1700)).toBe(false);
        expect(await fx.ledger.fail(seen!, ERROR, T0 + 1700)).toBe(false);
        expect(await fx.ledger.expired(T0 + 1700, 10)).toEqual([]);
        expect(await fx.ledger.commit(lease, result(T0 + 1800), T0 + 1800)).toBe(true);
      });
    });

    describe('fencing', () => {
      it('refuses a forged token and a token for another task', async () => {
        const a = await createTask(fx.ledger, { createdAt: T0 });
        await createTask(fx.ledger, { createdAt: T0 + 1 });
        const leaseA = (await claim(T0 + 10))!;
        const leaseB = (await claim(T0 + 10))!;
        await expectFenced({ ...leaseA, token: 'forged-token-000000000000' }, T0 + 20);
        await expectFenced({ ...leaseB, taskId: a.id }, T0 + 20);
      });

      it('refuses the old worker after the reaper retried its expired lease', async () => {
        const task = await createTask(fx.ledger);
        const lease = (await claim(T0))!;
        const [seen] = await fx.ledger.expired(T0 + 2000, 10);
        expect(await fx.ledger.retry(seen!, ERROR, T0 + 2000, T0 + 2000)).toBe(true);
        expect(await get(task.id)).toMatchObject({ status: 'PENDING', attempts: 1, error: null, runAfter: T0 + 2000 });
        await expectFenced(lease, T0 + 2100);
        const next = (await claim(T0 + 2100, [ENGINE], 'w2'))!;
        await expectFenced(lease, T0 + 2200);
        expect(await fx.ledger.commit(next, result(T0 + 2300), T0 + 2300)).toBe(true);
      });

      it('refuses every write once the task completed, failed or was cancelled', async () => {
        for (const end of ['complete', 'fail', 'cancel'] as const) {
          const task = await createTask(fx.ledger);
          const lease = (await claim(T0))!;
          if (end === 'complete') expect(await fx.ledger.commit(lease, result(T0 + 10), T0 + 10)).toBe(true);
          if (end === 'fail') expect(await fx.ledger.fail(lease, ERROR, T0 + 10)).toBe(true);
          if (end === 'cancel') await fx.ledger.terminate(task.id, { code: 'CANCELLED', message: 'x' }, T0 + 10);
          await expectFenced(lease, T0 + 20);
        }
      });
    });

    describe('checkpoint', () => {
      it("keeps the engine's state on the task for the next attempt, and clears it on null", async () => {
        const task = await createTask(fx.ledger);
        const lease = (await claim(T0))!;
        expect((await get(task.id)).engineState).toBeNull();
        expect(await fx.ledger.checkpoint(lease, '{"upstreamId":"u1"}')).toBe(true);
        expect(await fx.ledger.retry(lease, ERROR, T0 + 10, T0 + 10)).toBe(true);
        expect((await get(task.id)).engineState).toBe('{"upstreamId":"u1"}');
        const next = (await claim(T0 + 20, [ENGINE], 'w2'))!;
        await expectFenced(lease, T0 + 30);
        expect((await get(task.id)).engineState).toBe('{"upstreamId":"u1"}');
        expect(await fx.ledger.checkpoint(next, null)).toBe(true);
        expect((await get(task.id)).engineState).toBeNull();
      });
    });

    describe('outcomes', () => {
      it('complete: SUCCESS with the result, progress 1', async () => {
        const task = await createTask(fx.ledger);
        const lease = (await claim(T0))!;
        await fx.ledger.heartbeat(lease, 0.4, LEASE_MS, T0 + 5);
        expect(await fx.ledger.commit(lease, result(T0 + 10), T0 + 10)).toBe(true);
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
        const task = await createTask(fx.ledger);
        const lease = (await claim(T0))!;
        await fx.ledger.heartbeat(lease, 0.6, LEASE_MS, T0 + 5);
        expect(await fx.ledger.retry(lease, ERROR, T0 + 300, T0 + 10)).toBe(true);
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
        const task = await createTask(fx.ledger);
        const lease = (await claim(T0))!;
        const error = { code: 'SOURCE_INVALID', message: 'not a video' } as const;
        expect(await fx.ledger.fail(lease, error, T0 + 10)).toBe(true);
        expect(await get(task.id)).toMatchObject({ status: 'FAIL', error, finishedAt: T0 + 10, attempts: 1 });
      });

      it('release: PENDING at once and the attempt does not count', async () => {
        const task = await createTask(fx.ledger);
        const lease = (await claim(T0))!;
        expect(await fx.ledger.release(lease, T0 + 10)).toBe(true);
        expect(await get(task.id)).toMatchObject({ status: 'PENDING', attempts: 0 });
        await expectFenced(lease, T0 + 11);
        const again = await claim(T0 + 11);
        expect(again).toMatchObject({ taskId: task.id, attempt: 1 });
        expect(await get(task.id)).toMatchObject({ status: 'IN_PROGRESS', attempts: 1 });
      });
    });

    describe('remote runners', () => {
      it('claims only the asked operations', async () => {
        const generate = await createTask(fx.ledger, { type: 'generate' });
        const upscale = await createTask(fx.ledger, { type: 'upscale', seed: null });
        const opts = { workerId: 'r1', engines: [ENGINE], leaseMs: LEASE_MS, now: T0 };
        expect(await fx.ledger.claim({ ...opts, types: [] })).toBeNull();
        expect((await fx.ledger.claim({ ...opts, types: ['upscale'] }))?.taskId).toBe(upscale.id);
        expect(await fx.ledger.claim({ ...opts, types: ['upscale', 'extend'] })).toBeNull();
        expect((await fx.ledger.claim(opts))?.taskId).toBe(generate.id);
      });

      it('finds an attempt by its token, open or ended, with its staged output', async () => {
        const task = await createTask(fx.ledger);
        const lease = (await claim(T0, [ENGINE], 'runner:a'))!;
        expect(await fx.ledger.attempt(task.id, lease.token)).toEqual({
          lease,
          startedAt: T0,
          outcome: null,
          output: null,
        });
        expect(await fx.ledger.stageOutput(lease, VIDEO)).toBe(true);
        expect((await fx.ledger.attempt(task.id, lease.token))?.output).toEqual(VIDEO);
        await fx.ledger.terminate(task.id, { code: 'CANCELLED', message: 'x' }, T0 + 10);
        expect((await fx.ledger.attempt(task.id, lease.token))?.outcome).toBe('cancelled');
        expect(await fx.ledger.stageOutput(lease, VIDEO)).toBe(false);
        expect(await fx.ledger.attempt(task.id, 'forged-token-forged-token')).toBeNull();
        expect(await fx.ledger.attempt('other-task', lease.token)).toBeNull();
      });

      it('lists the open leases of workers with their progress and stage', async () => {
        const [a, b] = [await createTask(fx.ledger), await createTask(fx.ledger)];
        const first = (await claim(T0, [ENGINE], 'runner:a'))!;
        const second = (await claim(T0 + 1, [ENGINE], 'runner:b'))!;
        await fx.ledger.heartbeat(first, 0.5, LEASE_MS, T0 + 5, 'denoising');
        expect(await fx.ledger.openLeases(['runner:a', 'runner:b'])).toEqual([
          { ...first, expiresAt: T0 + 5 + LEASE_MS, progress: 0.5, stage: 'denoising' },
          { ...second, progress: 0, stage: null },
        ]);
        expect(await fx.ledger.openLeases([])).toEqual([]);
        await fx.ledger.release(second, T0 + 6);
        expect((await fx.ledger.openLeases(['runner:b'])).map((l) => l.taskId)).toEqual([]);
        expect([a.id, b.id]).toContain(first.taskId);
      });

      it('holds a worker to maxOpen inside the claim, even for concurrent claims', async () => {
        for (let i = 0; i < 6; i++) await createTask(fx.ledger, { createdAt: T0 + i });
        const opts = { workerId: 'runner:cap', engines: [ENGINE], leaseMs: LEASE_MS, now: T0 + 100, maxOpen: 2 };
        const leases = await Promise.all(Array.from({ length: 6 }, () => fx.ledger.claim(opts)));
        expect(leases.filter((lease) => lease !== null)).toHaveLength(2);
        expect(await fx.ledger.openLeases(['runner:cap'])).toHaveLength(2);
        // Another worker is not held to it, and a finished lease frees a place.
        expect(await fx.ledger.claim({ ...opts, workerId: 'runner:other' })).not.toBeNull();
        const held = leases.find((lease) => lease !== null)!;
        await fx.ledger.commit(held, { outputKey: 'results/x/1.mp4', video: VIDEO, retainUntil: T0 + 1e6 }, T0 + 101);
        expect(await fx.ledger.claim(opts)).not.toBeNull();
        expect(await fx.ledger.claim(opts)).toBeNull();
      });
    });

    describe('expired and nextRunAt', () => {
      it('lists leases past expiry, oldest first, up to the limit', async () => {
        await createTask(fx.ledger, { createdAt: T0, maxAttempts: 5 });
        await createTask(fx.ledger, { createdAt: T0 + 1 });
        const a = (await claim(T0))!;
        const b = (await claim(T0 + 100, [ENGINE], 'w2'))!;
        expect(await fx.ledger.expired(T0 + 1000, 10)).toEqual([]);
        expect(await fx.ledger.expired(T0 + 1001, 10)).toEqual([
          { ...a, maxAttempts: 5, engine: ENGINE, type: 'generate' },
        ]);
        expect(await fx.ledger.expired(T0 + 5000, 10)).toEqual([
          { ...a, maxAttempts: 5, engine: ENGINE, type: 'generate' },
          { ...b, maxAttempts: 3, engine: ENGINE, type: 'generate' },
        ]);
        expect(await fx.ledger.expired(T0 + 5000, 1)).toHaveLength(1);
        const [seen] = await fx.ledger.expired(T0 + 5000, 1);
        expect(await fx.ledger.fail(seen!, ERROR, T0 + 5000)).toBe(true);
        expect(await fx.ledger.expired(T0 + 5000, 10)).toEqual([
          { ...b, maxAttempts: 3, engine: ENGINE, type: 'generate' },
        ]);
      });

      it('nextRunAt is the earliest runAfter of PENDING tasks of the engines', async () => {
        expect(await fx.ledger.nextRunAt([ENGINE])).toBeNull();
        await createTask(fx.ledger, { createdAt: T0 + 50 });
        await createTask(fx.ledger, { createdAt: T0 + 20, engine: 'other' });
        await createTask(fx.ledger, { createdAt: T0 + 10 });
        expect(await fx.ledger.nextRunAt([ENGINE])).toBe(T0 + 10);
        expect(await fx.ledger.nextRunAt([ENGINE, 'other'])).toBe(T0 + 10);
        expect(await fx.ledger.nextRunAt(['other'])).toBe(T0 + 20);
        expect(await fx.ledger.nextRunAt([])).toBeNull();
        await claim(T0 + 100);
        expect(await fx.ledger.nextRunAt([ENGINE])).toBe(T0 + 50);
      });
    });
  });
}
