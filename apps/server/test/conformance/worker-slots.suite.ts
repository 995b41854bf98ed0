/**
 * WorkerSlots conformance: the lowest free slot, a dead holder's slot taken over with its pid
 * named, release only by the holder, and concurrent claims from several handles on one database
 * (as several processes would make) never sharing a slot. Every adapter must pass this unchanged.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { WorkerSlots } from '../../src/ports/worker-slots.ts';

export interface SlotsFixture {
  /** `count` handles on the same, fresh database. */
  handles: WorkerSlots[];
  cleanup(): Promise<void>;
}

export function workerSlotsSuite(name: string, factory: (count: number) => Promise<SlotsFixture>): void {
  describe(`WorkerSlots conformance: ${name}`, () => {
    const cleanups: (() => Promise<void>)[] = [];
    afterEach(async () => {
      while (cleanups.length) await cleanups.pop()!();
    });

    async function open(count = 1): Promise<WorkerSlots[]> {
      const fixture = await factory(count);
      cleanups.push(fixture.cleanup);
      return fixture.handles;
    }

    it('claims the lowest free slot per host, and takes over the slot of a dead holder', async () => {
      const [slots] = await open();
      const running = new Set([101, 102, 103]);
      const isRunning = (pid: number) => running.has(pid);
      expect(await slots!.claim('h1', 101, isRunning, 1)).toEqual({ slot: 0, predecessorPid: null });
      expect(await slots!.claim('h1', 102, isRunning, 2)).toEqual({ slot: 1, predecessorPid: null });
      expect(await slots!.claim('h2', 103, isRunning, 3)).toEqual({ slot: 0, predecessorPid: null });
      running.delete(101);
      expect(await slots!.claim('h1', 104, (pid) => pid === 102 || pid === 104, 4)).toEqual({
        slot: 0,
        predecessorPid: 101,
      });
    });

    it('releases a slot only for the pid that holds it, and touches only its own slot', async () => {
      const [slots] = await open();
      await slots!.claim('h', 201, () => true, 1);
      expect(await slots!.touch('h', 0, 201, 5)).toBe(true);
      expect(await slots!.touch('h', 0, 999, 5)).toBe(false);
      await slots!.release('h', 0, 999);
      expect((await slots!.claim('h', 202, () => true, 2)).slot).toBe(1);
      await slots!.release('h', 0, 201);
      expect(await slots!.touch('h', 0, 201, 6)).toBe(false);
      expect((await slots!.claim('h', 203, () => true, 3)).slot).toBe(0);
    });

    it('never gives one slot to two concurrent claims', async () => {
      const handles = await open(2);
      const claims = await Promise.all(
        Array.from({ length: 12 }, (_, i) => handles[i % 2]!.claim('h', 300 + i, () => true, i)),
      );
      expect(new Set(claims.map((c) => c.slot)).size).toBe(12);
    });

    it('gives a dead holder’s slot to one of the successors that race for it', async () => {
      const handles = await open(2);
      await handles[0]!.claim('h', 400, () => true, 1);
      const alive = (pid: number) => pid !== 400;
      const claims = await Promise.all(
        Array.from({ length: 6 }, (_, i) => handles[i % 2]!.claim('h', 401 + i, alive, 2)),
      );
      expect(claims.filter((c) => c.predecessorPid === 400)).toHaveLength(1);
      expect(new Set(claims.map((c) => c.slot)).size).toBe(6);
    });
  });
}
