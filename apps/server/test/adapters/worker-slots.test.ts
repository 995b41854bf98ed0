/**
 * Stable process identities on real SQLite files: the lowest free slot, a dead holder's slot taken
 * over with its pid named, release only by the holder, and concurrent claims from two handles
 * (as two processes would make) never sharing a slot.
 */
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openSqliteAdapters, type SqliteAdapters } from '../../src/adapters/sqlite/index.ts';
import { tempDir } from '../support/index.ts';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

async function open(count = 1): Promise<SqliteAdapters[]> {
  const dir = await tempDir();
  const handles = Array.from({ length: count }, () => openSqliteAdapters({ file: join(dir.path, 'db.sqlite') }));
  cleanups.push(async () => {
    for (const handle of handles) await handle.close();
    await dir.remove();
  });
  return handles;
}

const running = new Set([101, 102, 103]);
const isRunning = (pid: number) => running.has(pid);

describe('worker slots', () => {
  it('claims the lowest free slot per host, and takes over the slot of a dead holder', async () => {
    const [db] = await open();
    const { slots } = db!;
    expect(await slots.claim('h1', 101, isRunning, 1)).toEqual({ slot: 0, predecessorPid: null });
    expect(await slots.claim('h1', 102, isRunning, 2)).toEqual({ slot: 1, predecessorPid: null });
    expect(await slots.claim('h2', 103, isRunning, 3)).toEqual({ slot: 0, predecessorPid: null });
    running.delete(101);
    expect(await slots.claim('h1', 104, (pid) => pid === 102 || pid === 104, 4)).toEqual({
      slot: 0,
      predecessorPid: 101,
    });
  });

  it('releases a slot only for the pid that holds it', async () => {
    const [db] = await open();
    const { slots } = db!;
    await slots.claim('h', 201, () => true, 1);
    await slots.release('h', 0, 999);
    expect((await slots.claim('h', 202, () => true, 2)).slot).toBe(1);
    await slots.release('h', 0, 201);
    expect((await slots.claim('h', 203, () => true, 3)).slot).toBe(0);
  });

  it('never gives one slot to two concurrent claims', async () => {
    const handles = await open(2);
    const claims = await Promise.all(
      Array.from({ length: 12 }, (_, i) => handles[i % 2]!.slots.claim('h', 300 + i, () => true, i)),
    );
    expect(new Set(claims.map((c) => c.slot)).size).toBe(12);
  });
});
