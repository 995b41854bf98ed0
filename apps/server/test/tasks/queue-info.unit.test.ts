/**
 * createQueueInfo over a real SQLite ledger and runner store: the cap on the count (position
 * 1000 and later reads as a lower bound, and the ledger is never asked for more), and the short
 * cache that keeps every poll from reading the runner list.
 */
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openSqliteAdapters, type SqliteAdapters } from '../../src/adapters/sqlite/index.ts';
import { createQueueInfo } from '../../src/modules/tasks/queue-info.ts';
import type { TaskLedger } from '../../src/ports/task-ledger.ts';
import { createTask, T0 } from '../conformance/fixtures.ts';
import { tempDir } from '../support/temp-dir.ts';

let dir: Awaited<ReturnType<typeof tempDir>>;
let adapters: SqliteAdapters;

beforeEach(async () => {
  dir = await tempDir('vidforge-queue-info-');
  adapters = openSqliteAdapters({ file: join(dir.path, 'vidforge.db') });
});
afterEach(async () => {
  await adapters.close();
  await dir.remove();
});

const clock = { now: () => T0 + 1000 };
const pending = async (engine: string) =>
  (await adapters.ledger.get((await createTask(adapters.ledger, { engine, createdAt: T0 })).id))!;

describe('queue info', () => {
  it('asks the ledger for at most 999 tasks ahead, and reads 999 as "1000th or later"', async () => {
    const limits: number[] = [];
    let ahead = 0;
    // A queue of 5000 is slow to build; the ledger's own cap is in its conformance suite.
    const ledger: Pick<TaskLedger, 'tasksAhead'> = {
      async tasksAhead(_task, limit) {
        limits.push(limit);
        return Math.min(ahead, limit);
      },
    };
    const info = createQueueInfo({ ledger, runners: adapters.runners, clock, runnerSeenWithinMs: 60_000 });
    const task = await pending('preview');
    ahead = 998;
    expect(await info(task)).toMatchObject({ position: 999, positionIsLowerBound: false });
    ahead = 5000;
    expect(await info(task)).toMatchObject({ position: 1000, positionIsLowerBound: true });
    expect(limits).toEqual([999, 999]);
  });

  it('reads the runner list once per cache period for all polls, and not at all for in-process engines', async () => {
    let reads = 0;
    let broken = false;
    const runners = {
      list: async () => {
        reads++;
        if (broken) throw new Error('database gone');
        return adapters.runners.list();
      },
    };
    const info = createQueueInfo({ ledger: adapters.ledger, runners, clock, runnerSeenWithinMs: 60_000, cacheMs: 100 });
    await info(await pending('preview'));
    expect(reads).toBe(0);
    const task = await pending('runner:ltx2');
    await Promise.all([info(task), info(task), info(task)]);
    expect(reads).toBe(1);
    expect((await info(task))?.runnersOnline).toBe(0);
    expect(reads).toBe(1);
    await new Promise((resolve) => setTimeout(resolve, 120));
    // A failed read is not kept for the cache period: the next poll reads again.
    broken = true;
    await expect(info(task)).rejects.toThrow('database gone');
    broken = false;
    expect((await info(task))?.runnersOnline).toBe(0);
    expect(reads).toBe(3);
  });
});
