/**
 * A worker that lost its lease writes nothing: its heartbeat is refused, its late completion changes
 * nothing, and its run is aborted. Exercised through the real task runner on a real SQLite file.
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { createFsBlobStore } from '../../src/adapters/blob-fs/fs-blob-store.ts';
import { createLocalWorkSignal } from '../../src/adapters/signal-local/index.ts';
import { openSqliteAdapters } from '../../src/adapters/sqlite/index.ts';
import { type Engine, EngineRegistry } from '../../src/engines/engine.ts';
import { createFaultContainment } from '../../src/modules/workers/fault-containment.ts';
import { createRetryPolicy } from '../../src/modules/workers/retry-policy.ts';
import { createTaskRunner } from '../../src/modules/workers/task-runner.ts';
import { systemClock } from '../../src/ports/clock.ts';
import { tempDir } from '../support/index.ts';

const TINY_VIDEO = { width: 1, height: 1, fps: 24, durationSeconds: 1, hasAudio: false };
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

async function setup(engine: Engine) {
  const dir = await tempDir();
  const storage = openSqliteAdapters({ file: join(dir.path, 'db.sqlite'), synchronous: 'NORMAL' });
  cleanups.push(async () => {
    await storage.close();
    await dir.remove();
  });
  await mkdir(join(dir.path, 'work'));
  const blobs = createFsBlobStore(join(dir.path, 'media'));
  const run = createTaskRunner({
    ledger: storage.ledger,
    signal: createLocalWorkSignal(),
    blobs,
    access: storage.access,
    engines: new EngineRegistry().register(engine),
    fetcher: { fetch: () => Promise.reject(new Error('no sources in this test')) },
    faults: createFaultContainment(pino({ level: 'silent' })),
    retry: createRetryPolicy({ baseMs: 10, maxMs: 10 }),
    clock: systemClock,
    workRoot: join(dir.path, 'work'),
    leaseMs: 300,
    progressIntervalMs: 10,
    retentionMs: 60_000,
    log: pino({ level: 'silent' }),
  });
  const now = Date.now();
  await storage.ledger.create({
    id: 'task-aaaaaaaaaaaaaaaa',
    endpointId: 'e1',
    keyId: 'k1',
    type: 'generate',
    engine: engine.name,
    request: { prompt: 'x', settings: { seed: 1, duration: 2, aspectRatio: '16:9' } },
    seed: 1,
    maxAttempts: 3,
    createdAt: now,
    deadlineAt: now + 60_000,
  });
  return { storage, blobs, run };
}

describe('lease fencing', () => {
  it("a stale worker's completion changes nothing and its output is not committed", async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => {
      release = r;
    });
    const engine: Engine = {
      name: 'gated',
      async run(_task, context) {
        await gate; // frozen: no heartbeat progress matters, the lease runs out
        const path = join(context.workDir, 'out.mp4');
        const { writeFile } = await import('node:fs/promises');
        await writeFile(path, 'stale');
        return {
          path,
          contentType: 'video/mp4',
          video: TINY_VIDEO,
        };
      },
    };
    const { storage, run } = await setup(engine);
    const now = Date.now();
    const stale = (await storage.ledger.claim({ workerId: 'w1', engines: ['gated'], leaseMs: 50, now }))!;
    // The lease expires; the reaper hands the task back and a second worker claims it.
    const [expired] = await storage.ledger.expired(now + 100, 10);
    expect(expired?.token).toBe(stale.token);
    expect(await storage.ledger.retry(expired!, { code: 'ENGINE_FAILED', message: 'lost' }, now + 100, now + 100)).toBe(
      true,
    );
    const fresh = (await storage.ledger.claim({
      workerId: 'w2',
      engines: ['gated'],
      leaseMs: 60_000,
      now: now + 200,
    }))!;
    expect(fresh.attempt).toBe(2);

    // The frozen worker wakes up: every write it tries is refused.
    expect((await storage.ledger.heartbeat(stale, 0.5, 1000, now + 300)).ok).toBe(false);
    expect(
      await storage.ledger.commit(
        stale,
        {
          outputKey: 'x',
          video: TINY_VIDEO,
          retainUntil: now + 1e6,
        },
        now + 300,
      ),
    ).toBe(false);
    expect(await storage.ledger.fail(stale, { code: 'ENGINE_FAILED', message: 'late' }, now + 300)).toBe(false);
    expect(await storage.ledger.release(stale, now + 300)).toBe(false);
    const task = await storage.ledger.get(stale.taskId);
    expect(task).toMatchObject({ status: 'IN_PROGRESS', attempts: 2, outputKey: null });

    // And through the runner: a run holding the stale lease is aborted by its refused heartbeat.
    const controller = new AbortController();
    const running = run(stale, controller.signal);
    await new Promise((r) => setTimeout(r, 150));
    release();
    await running;
    expect(await storage.ledger.get(stale.taskId)).toMatchObject({ status: 'IN_PROGRESS', outputKey: null });
    expect(
      await storage.ledger.commit(
        fresh,
        {
          outputKey: 'results/ok.mp4',
          video: TINY_VIDEO,
          retainUntil: now + 1e6,
        },
        now + 400,
      ),
    ).toBe(true);
  });

  it('a shutdown releases the lease without counting the attempt', async () => {
    const engine: Engine = {
      name: 'slow',
      run: (_task, context) =>
        new Promise((_resolve, reject) => context.signal.addEventListener('abort', () => reject(new Error('aborted')))),
    };
    const { storage, run } = await setup(engine);
    const lease = (await storage.ledger.claim({
      workerId: 'w1',
      engines: ['slow'],
      leaseMs: 60_000,
      now: Date.now(),
    }))!;
    const controller = new AbortController();
    const running = run(lease, controller.signal);
    await new Promise((r) => setTimeout(r, 30));
    controller.abort('shutdown');
    await running;
    expect(await storage.ledger.get(lease.taskId)).toMatchObject({ status: 'PENDING', attempts: 0 });
  });
});
