/**
 * Results are attempt-scoped: a worker whose lease was reaped while it was frozen, and that then
 * resumes and stores its output, can neither overwrite nor delete the committed result, and the
 * orphan sweep removes what it left. On both blob stores (local disk, and S3 on moto), with the
 * ledger on a real SQLite file.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import pino from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createFsBlobStore } from '../../src/adapters/blob-fs/fs-blob-store.ts';
import { openSqliteAdapters } from '../../src/adapters/sqlite/index.ts';
import { sweepOrphans } from '../../src/modules/maintenance/orphan-sweeper.ts';
import { outputKeyOf } from '../../src/modules/results/result-key.ts';
import type { BlobStore } from '../../src/ports/blob-store.ts';
import { collect, createTask, ENGINE, T0, VIDEO } from '../conformance/fixtures.ts';
import { openTestS3BlobStore, startTestS3, type TestS3 } from '../support/s3-server.ts';
import { tempDir } from '../support/temp-dir.ts';

let s3: TestS3;
beforeAll(async () => {
  s3 = await startTestS3();
});
afterAll(() => s3?.stop());

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

const stores: [string, (dir: string) => Promise<BlobStore>][] = [
  ['fs', async (dir) => createFsBlobStore(join(dir, 'media'))],
  [
    's3',
    async () => {
      const store = openTestS3BlobStore(s3, await s3.createBucket());
      cleanups.push(async () => store.close());
      return store;
    },
  ],
];

describe.each(stores)('a stale writer on the %s blob store', (_name, openBlobs) => {
  async function setup() {
    const dir = await tempDir('vidforge-stale-');
    const storage = openSqliteAdapters({ file: join(dir.path, 'vidforge.db') });
    cleanups.push(async () => {
      await storage.close();
      await dir.remove();
    });
    const blobs = await openBlobs(dir.path);
    const put = async (key: string, text: string) => {
      const file = join(dir.path, `${text}.bin`);
      await writeFile(file, text);
      await blobs.putFile(key, file, 'video/mp4');
    };
    const text = async (key: string) => {
      const stream = await blobs.read(key);
      return stream ? (await collect(stream)).toString() : null;
    };
    const keys = async () => {
      const all: string[] = [];
      for await (const entry of blobs.list('results/')) all.push(entry.key);
      return all.sort();
    };
    const sweep = () => sweepOrphans({ ledger: storage.ledger, blobs, log: pino({ level: 'silent' }) });
    return { ledger: storage.ledger, put, text, keys, sweep };
  }

  it('cannot overwrite or delete the committed result, and the sweep removes its leftovers', async () => {
    const { ledger, put, text, keys, sweep } = await setup();
    const task = await createTask(ledger);
    const claim = (workerId: string, now: number, leaseMs: number) =>
      ledger.claim({ workerId, engines: [ENGINE], leaseMs, now });

    // Worker 1 freezes with the lease; the reaper retries the task and worker 2 finishes it.
    const stale = (await claim('w1', T0, 100))!;
    const [expired] = await ledger.expired(T0 + 200, 10);
    expect(await ledger.retry(expired!, { code: 'ENGINE_FAILED', message: 'lost' }, T0 + 200, T0 + 200)).toBe(true);
    const fresh = (await claim('w2', T0 + 300, 60_000))!;
    expect(fresh.attempt).toBe(2);
    await put(outputKeyOf(task.id, fresh.attempt), 'fresh');
    const committed = outputKeyOf(task.id, fresh.attempt);
    expect(await ledger.commit(fresh, { outputKey: committed, video: VIDEO, retainUntil: T0 + 1e9 }, T0 + 400)).toBe(
      true,
    );

    // Worker 1 resumes and does what a worker does: store its output, then try to commit.
    await put(outputKeyOf(task.id, stale.attempt), 'stale');
    expect(await ledger.commit(stale, { outputKey: outputKeyOf(task.id, 1), video: VIDEO, retainUntil: 1 }, T0)).toBe(
      false,
    );
    expect(await ledger.get(task.id)).toMatchObject({ status: 'SUCCESS', outputKey: committed });
    expect(await text(committed)).toBe('fresh');

    // Objects of an unfinished task are its worker's business; those of no task are orphans.
    const running = await createTask(ledger, { createdAt: T0 + 1 });
    const runningLease = (await claim('w3', T0 + 500, 60_000))!;
    expect(runningLease.taskId).toBe(running.id);
    await put(outputKeyOf(running.id, 1), 'in-progress');
    await put(outputKeyOf('no-such-task', 1), 'nobody');
    await put('results/not-a-result-key', 'foreign');

    expect(await sweep()).toBe(2);
    expect(await keys()).toEqual([committed, outputKeyOf(running.id, 1), 'results/not-a-result-key'].sort());
    expect(await text(committed)).toBe('fresh');
    expect(await sweep()).toBe(0);

    // Once the running task ends without a result, its object goes at the next sweep.
    await ledger.terminate(running.id, { code: 'CANCELLED', message: 'stop' }, T0 + 600);
    expect(await sweep()).toBe(1);
    expect(await text(outputKeyOf(running.id, 1))).toBeNull();
  });
});
