/** TaskLedger conformance (tasks: submits, reads, termination, upkeep): every adapter must pass this unchanged. */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { TaskRecord } from '../../src/ports/task-ledger.ts';
import {
  createTask,
  ENDPOINT,
  ENGINE,
  idempotency,
  type LedgerFactory,
  type LedgerFixture,
  newTask,
  T0,
  VIDEO,
} from './fixtures.ts';

export function ledgerRecordsSuite(name: string, factory: LedgerFactory): void {
  describe(`TaskLedger conformance (tasks): ${name}`, () => {
    let fx: LedgerFixture;
    beforeEach(async () => {
      fx = await factory();
    });
    afterEach(async () => {
      await fx.cleanup();
    });

    const claim = (now: number) => fx.ledger.claim({ workerId: 'w1', engines: [ENGINE], leaseMs: 30_000, now });

    describe('create and get', () => {
      it('writes a PENDING task that reads back field for field', async () => {
        const task = newTask({ seed: 4_294_967_295 });
        const result = await fx.ledger.create(task);
        const expected: TaskRecord = {
          ...task,
          status: 'PENDING',
          progress: 0,
          error: null,
          video: null,
          outputKey: null,
          attempts: 0,
          updatedAt: task.createdAt,
          runAfter: task.createdAt,
          finishedAt: null,
          retainUntil: null,
          resultDeletedAt: null,
          engineState: null,
          revision: 0,
          rowVersion: 0,
        };
        expect(result).toEqual({ kind: 'created', task: expected });
        expect(await fx.ledger.get(task.id)).toEqual(expected);
      });

      it('keeps a null seed and an upscale request as given', async () => {
        const task = await createTask(fx.ledger, {
          type: 'upscale',
          seed: null,
          request: { config: { sourceVideo: 'https://example.com/v.mp4' } },
        });
        const stored = await fx.ledger.get(task.id);
        expect(stored?.seed).toBeNull();
        expect(stored?.type).toBe('upscale');
        expect(stored?.request).toEqual({ config: { sourceVideo: 'https://example.com/v.mp4' } });
      });

      it('answers null for an unknown id', async () => {
        expect(await fx.ledger.get('no-such-task-id-0000')).toBeNull();
      });
    });

    describe('idempotency', () => {
      it('replays the original task for the same key and fingerprint, without a second task', async () => {
        const first = newTask();
        await fx.ledger.create(first, idempotency());
        const again = newTask({ createdAt: T0 + 1000 });
        const result = await fx.ledger.create(again, idempotency());
        expect(result.kind).toBe('replayed');
        expect(result.kind === 'replayed' && result.task.id).toBe(first.id);
        expect(await fx.ledger.get(again.id)).toBeNull();
      });

      it('refuses the same key with another fingerprint', async () => {
        await fx.ledger.create(newTask(), idempotency());
        const other = newTask({ createdAt: T0 + 1000 });
        expect(await fx.ledger.create(other, idempotency({ fingerprint: 'b'.repeat(64) }))).toEqual({
          kind: 'conflict',
        });
        expect(await fx.ledger.get(other.id)).toBeNull();
      });

      it('scopes keys to the access key and the endpoint', async () => {
        await fx.ledger.create(newTask(), idempotency());
        const otherKey = await fx.ledger.create(newTask(), idempotency({ keyId: 'key_other' }));
        const otherEndpoint = await fx.ledger.create(newTask(), idempotency({ endpointId: 'ep_other' }));
        expect(otherKey.kind).toBe('created');
        expect(otherEndpoint.kind).toBe('created');
      });

      it('still holds at its expiry instant and is replaced once it has passed', async () => {
        const first = newTask();
        await fx.ledger.create(first, idempotency({ expiresAt: T0 + 5000 }));
        const atExpiry = await fx.ledger.create(newTask({ createdAt: T0 + 5000 }), idempotency());
        expect(atExpiry.kind === 'replayed' && atExpiry.task.id).toBe(first.id);

        const later = newTask({ createdAt: T0 + 5001 });
        const replaced = await fx.ledger.create(
          later,
          idempotency({ fingerprint: 'c'.repeat(64), expiresAt: T0 + 9000 }),
        );
        expect(replaced.kind).toBe('created');
        const replay = await fx.ledger.create(
          newTask({ createdAt: T0 + 6000 }),
          idempotency({ fingerprint: 'c'.repeat(64) }),
        );
        expect(replay.kind === 'replayed' && replay.task.id).toBe(later.id);
      });

      it('creates exactly one task under many concurrent duplicate submits', async () => {
        const results = await Promise.all(
          Array.from({ length: 25 }, (_, i) => fx.ledger.create(newTask({ createdAt: T0 + i }), idempotency())),
        );
        const created = results.filter((r) => r.kind === 'created');
        expect(created).toHaveLength(1);
        const ids = new Set(results.map((r) => ('task' in r ? r.task.id : null)));
        expect(ids.size).toBe(1);
        expect(await fx.ledger.list({ endpointId: ENDPOINT, limit: 100 })).toHaveLength(1);
      });

      it('prunes only records past their expiry', async () => {
        await fx.ledger.create(newTask(), idempotency({ key: 'old', expiresAt: T0 + 100 }));
        const kept = newTask();
        await fx.ledger.create(kept, idempotency({ key: 'new', expiresAt: T0 + 200 }));
        expect(await fx.ledger.pruneIdempotency(T0 + 200)).toBe(1);
        expect(await fx.ledger.pruneIdempotency(T0 + 200)).toBe(0);
        const replay = await fx.ledger.create(newTask({ createdAt: T0 + 150 }), idempotency({ key: 'new' }));
        expect(replay.kind === 'replayed' && replay.task.id).toBe(kept.id);
        const fresh = await fx.ledger.create(newTask({ createdAt: T0 + 150 }), idempotency({ key: 'old' }));
        expect(fresh.kind).toBe('created');
      });
    });

    describe('admission (maxPending)', () => {
      it('refuses a task once maxPending of its engine are PENDING, and counts only that engine', async () => {
        for (let i = 0; i < 3; i++) expect((await fx.ledger.create(newTask(), undefined, 3)).kind).toBe('created');
        expect((await fx.ledger.create(newTask(), undefined, 3)).kind).toBe('queue-full');
        expect((await fx.ledger.create(newTask({ engine: 'other' }), undefined, 3)).kind).toBe('created');
        expect(await fx.ledger.list({ endpointId: ENDPOINT, limit: 100 })).toHaveLength(4);
      });

      it('counts only PENDING tasks: a claimed one frees a place', async () => {
        for (let i = 0; i < 2; i++) await fx.ledger.create(newTask(), undefined, 2);
        expect((await fx.ledger.create(newTask(), undefined, 2)).kind).toBe('queue-full');
        expect(await claim(T0)).not.toBeNull();
        expect((await fx.ledger.create(newTask(), undefined, 2)).kind).toBe('created');
      });

      it('never overshoots under concurrent submits, and still replays an idempotent submit when full', async () => {
        const first = await fx.ledger.create(newTask(), idempotency(), 5);
        const results = await Promise.all(Array.from({ length: 20 }, () => fx.ledger.create(newTask(), undefined, 5)));
        expect(results.filter((r) => r.kind === 'created')).toHaveLength(4);
        expect(await fx.ledger.list({ endpointId: ENDPOINT, limit: 100 })).toHaveLength(5);
        const replay = await fx.ledger.create(newTask(), idempotency(), 5);
        expect(replay.kind === 'replayed' && replay.task.id).toBe('task' in first && first.task.id);
      });
    });

    describe('admission (maxUnfinishedPerKey)', () => {
      it("refuses a key's task once it has that many PENDING or IN_PROGRESS tasks; other keys are apart", async () => {
        for (let i = 0; i < 2; i++)
          expect((await fx.ledger.create(newTask(), undefined, undefined, 2)).kind).toBe('created');
        expect(await claim(T0)).not.toBeNull();
        // One PENDING and one IN_PROGRESS: both count.
        expect((await fx.ledger.create(newTask(), undefined, undefined, 2)).kind).toBe('concurrency-limited');
        expect((await fx.ledger.create(newTask({ keyId: 'key_other' }), undefined, undefined, 2)).kind).toBe('created');
        // Without a limit the same key is not refused.
        expect((await fx.ledger.create(newTask())).kind).toBe('created');
        expect(await fx.ledger.list({ endpointId: ENDPOINT, limit: 100 })).toHaveLength(4);
      });

      it('counts only unfinished tasks: a terminated one frees a place', async () => {
        const first = newTask();
        await fx.ledger.create(first, undefined, undefined, 1);
        expect((await fx.ledger.create(newTask(), undefined, undefined, 1)).kind).toBe('concurrency-limited');
        await fx.ledger.terminate(first.id, { code: 'CANCELLED', message: 'test' }, T0 + 1);
        expect((await fx.ledger.create(newTask(), undefined, undefined, 1)).kind).toBe('created');
      });

      it('never overshoots under 50 concurrent submits of one key, and still replays an idempotent submit', async () => {
        const first = await fx.ledger.create(newTask(), idempotency(), undefined, 4);
        const results = await Promise.all(
          Array.from({ length: 50 }, () => fx.ledger.create(newTask(), undefined, undefined, 4)),
        );
        expect(results.filter((r) => r.kind === 'created')).toHaveLength(3);
        expect(results.filter((r) => r.kind === 'concurrency-limited')).toHaveLength(47);
        expect(await fx.ledger.list({ endpointId: ENDPOINT, limit: 100 })).toHaveLength(4);
        const replay = await fx.ledger.create(newTask(), idempotency(), undefined, 4);
        expect(replay.kind === 'replayed' && replay.task.id).toBe('task' in first && first.task.id);
      });

      it('applies both limits together: the engine cap first, then the key', async () => {
        expect((await fx.ledger.create(newTask(), undefined, 1, 5)).kind).toBe('created');
        expect((await fx.ledger.create(newTask(), undefined, 1, 5)).kind).toBe('queue-full');
        expect((await fx.ledger.create(newTask({ engine: 'other' }), undefined, 5, 1)).kind).toBe(
          'concurrency-limited',
        );
      });
    });

    describe('list', () => {
      it('pages newest first with ties broken by id, each task exactly once', async () => {
        const made = [];
        for (let i = 0; i < 7; i++) made.push(await createTask(fx.ledger, { createdAt: T0 + Math.floor(i / 3) }));
        await createTask(fx.ledger, { endpointId: 'ep_elsewhere', createdAt: T0 + 10 });
        const expected = made
          .map((t) => ({ id: t.id, createdAt: t.createdAt }))
          .sort((a, b) => b.createdAt - a.createdAt || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0))
          .map((t) => t.id);

        const seen: string[] = [];
        let cursor: { createdAt: number; id: string } | undefined;
        for (let page = 0; page < 10; page++) {
          const rows = await fx.ledger.list({ endpointId: ENDPOINT, limit: 3, cursor });
          expect(rows.length).toBeLessThanOrEqual(3);
          seen.push(...rows.map((r) => r.id));
          const last = rows.at(-1);
          if (rows.length < 3 || !last) break;
          cursor = { createdAt: last.createdAt, id: last.id };
        }
        expect(seen).toEqual(expected);
      });

      it('filters by status and treats the cursor as exclusive', async () => {
        const a = await createTask(fx.ledger, { createdAt: T0 + 1 });
        const b = await createTask(fx.ledger, { createdAt: T0 + 2 });
        const c = await createTask(fx.ledger, { createdAt: T0 + 3 });
        await fx.ledger.terminate(b.id, { code: 'CANCELLED', message: 'stop' }, T0 + 10);

        const pending = await fx.ledger.list({ endpointId: ENDPOINT, status: 'PENDING', limit: 10 });
        expect(pending.map((t) => t.id)).toEqual([c.id, a.id]);
        const failed = await fx.ledger.list({ endpointId: ENDPOINT, status: 'FAIL', limit: 10 });
        expect(failed.map((t) => t.id)).toEqual([b.id]);
        const after = await fx.ledger.list({
          endpointId: ENDPOINT,
          limit: 10,
          cursor: { createdAt: c.createdAt, id: c.id },
        });
        expect(after.map((t) => t.id)).toEqual([b.id, a.id]);
        expect(await fx.ledger.list({ endpointId: 'ep_nobody', limit: 10 })).toEqual([]);
      });

      it('pages oldest first with order asc, the cursor exclusive, each task exactly once', async () => {
        const made = [];
        for (let i = 0; i < 7; i++) made.push(await createTask(fx.ledger, { createdAt: T0 + Math.floor(i / 3) }));
        const expected = made
          .map((t) => ({ id: t.id, createdAt: t.createdAt }))
          .sort((a, b) => a.createdAt - b.createdAt || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
          .map((t) => t.id);
        const seen: string[] = [];
        let cursor: { createdAt: number; id: string } | undefined;
        for (let page = 0; page < 10; page++) {
          const rows = await fx.ledger.list({ endpointId: ENDPOINT, limit: 3, cursor, order: 'asc' });
          seen.push(...rows.map((r) => r.id));
          const last = rows.at(-1);
          if (rows.length < 3 || !last) break;
          cursor = { createdAt: last.createdAt, id: last.id };
        }
        expect(seen).toEqual(expected);
      });
    });

    describe('finishUnleased', () => {
      it('ends a PENDING task as FAIL and reports nothing for a finished one', async () => {
        const task = await createTask(fx.ledger);
        const ended = await fx.ledger.terminate(task.id, { code: 'TIMEOUT', message: 'too slow' }, T0 + 50);
        expect(ended).toMatchObject({
          id: task.id,
          status: 'FAIL',
          error: { code: 'TIMEOUT', message: 'too slow' },
          finishedAt: T0 + 50,
          updatedAt: T0 + 50,
        });
        expect(await fx.ledger.terminate(task.id, { code: 'CANCELLED', message: 'x' }, T0 + 60)).toBeNull();
        expect((await fx.ledger.get(task.id))?.error?.code).toBe('TIMEOUT');
        expect(await fx.ledger.terminate('no-such-task-id-0000', { code: 'CANCELLED', message: 'x' }, T0)).toBeNull();
      });

      it('ends an IN_PROGRESS task and its lease, so the worker writes nothing after', async () => {
        const task = await createTask(fx.ledger);
        const lease = await claim(T0 + 10);
        expect(lease?.taskId).toBe(task.id);
        const ended = await fx.ledger.terminate(task.id, { code: 'CANCELLED', message: 'by user' }, T0 + 20);
        expect(ended?.status).toBe('FAIL');
        expect(await fx.ledger.heartbeat(lease!, 0.5, 30_000, T0 + 30)).toEqual({ ok: false });
        expect(await fx.ledger.commit(lease!, { outputKey: 'k', video: VIDEO, retainUntil: T0 + 99 }, T0 + 30)).toBe(
          false,
        );
        expect(await fx.ledger.expired(T0 + 999_999_999, 10)).toEqual([]);
        expect(await fx.ledger.get(task.id)).toMatchObject({
          status: 'FAIL',
          error: { code: 'CANCELLED' },
          video: null,
        });
      });

      it('leaves a SUCCESS task alone', async () => {
        const task = await createTask(fx.ledger);
        const lease = await claim(T0 + 10);
        await fx.ledger.commit(lease!, { outputKey: 'k', video: VIDEO, retainUntil: T0 + 99 }, T0 + 20);
        expect(await fx.ledger.terminate(task.id, { code: 'TIMEOUT', message: 'late' }, T0 + 30)).toBeNull();
        expect(await fx.ledger.get(task.id)).toMatchObject({ status: 'SUCCESS', error: null, progress: 1 });
      });
    });

    describe('overdue', () => {
      it('lists unfinished tasks whose deadline has passed, soonest first, up to the limit', async () => {
        const early = await createTask(fx.ledger, { deadlineAt: T0 + 100 });
        const later = await createTask(fx.ledger, { deadlineAt: T0 + 200 });
        const running = await createTask(fx.ledger, { deadlineAt: T0 + 150, createdAt: T0 - 1 });
        await claim(T0 + 1);
        const finished = await createTask(fx.ledger, { deadlineAt: T0 + 50 });
        await fx.ledger.terminate(finished.id, { code: 'CANCELLED', message: 'x' }, T0 + 2);

        expect(await fx.ledger.overdue(T0 + 100, 10)).toEqual([]);
        expect(await fx.ledger.overdue(T0 + 201, 10)).toEqual([early.id, running.id, later.id]);
        expect(await fx.ledger.overdue(T0 + 201, 2)).toEqual([early.id, running.id]);
      });
    });

    describe('results past retention', () => {
      it('lists SUCCESS tasks past retainUntil until they are marked deleted', async () => {
        const a = await createTask(fx.ledger, { createdAt: T0 });
        const b = await createTask(fx.ledger, { createdAt: T0 + 1 });
        for (const retainUntil of [T0 + 1000, T0 + 2000]) {
          const lease = await claim(T0 + 10);
          await fx.ledger.commit(
            lease!,
            { outputKey: `results/${lease!.taskId}.mp4`, video: VIDEO, retainUntil },
            T0 + 20,
          );
        }
        await createTask(fx.ledger, { createdAt: T0 + 2 });

        expect(await fx.ledger.expiredResults(T0 + 1000, 10)).toEqual([]);
        expect((await fx.ledger.expiredResults(T0 + 1001, 10)).map((t) => t.id)).toEqual([a.id]);
        const both = await fx.ledger.expiredResults(T0 + 5000, 10);
        expect(both.map((t) => t.id)).toEqual([a.id, b.id]);
        expect(both[0]?.outputKey).toBe(`results/${a.id}.mp4`);
        expect(await fx.ledger.expiredResults(T0 + 5000, 1)).toHaveLength(1);

        await fx.ledger.markResultDeleted(a.id, T0 + 5000);
        await fx.ledger.markResultDeleted(a.id, T0 + 6000);
        expect((await fx.ledger.get(a.id))?.resultDeletedAt).toBe(T0 + 5000);
        expect((await fx.ledger.expiredResults(T0 + 7000, 10)).map((t) => t.id)).toEqual([b.id]);
      });
    });

    describe('resultHolders', () => {
      it('tells, per task, whether it is finished and which output it keeps', async () => {
        const running = await createTask(fx.ledger, { createdAt: T0 });
        const done = await createTask(fx.ledger, { createdAt: T0 + 1 });
        const failed = await createTask(fx.ledger, { createdAt: T0 + 2 });
        const first = (await claim(T0 + 10))!;
        const second = (await claim(T0 + 10))!;
        expect([first.taskId, second.taskId]).toEqual([running.id, done.id]);
        const key = `results/${done.id}/1.mp4`;
        await fx.ledger.commit(second, { outputKey: key, video: VIDEO, retainUntil: T0 + 100 }, T0 + 20);
        await fx.ledger.terminate(failed.id, { code: 'CANCELLED', message: 'x' }, T0 + 20);
        const holders = await fx.ledger.resultHolders([running.id, done.id, failed.id, 'no-such-task']);
        expect(Object.fromEntries(holders)).toEqual({
          [running.id]: { finished: false, outputKey: null },
          [done.id]: { finished: true, outputKey: key },
          [failed.id]: { finished: true, outputKey: null },
        });
        await fx.ledger.markResultDeleted(done.id, T0 + 200);
        expect((await fx.ledger.resultHolders([done.id])).get(done.id)).toEqual({ finished: true, outputKey: null });
        expect((await fx.ledger.resultHolders([])).size).toBe(0);
      });
    });
  });
}
