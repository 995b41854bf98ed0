/**
 * WorkerSlots in SQL. A claim is a loop of compare-and-sets rather than one transaction, because a
 * transaction serialises concurrent claims on SQLite (BEGIN IMMEDIATE) but not on PostgreSQL (READ
 * COMMITTED lets two claims read the same free slot): taking a dead holder's slot names the pid it
 * replaces, and a new slot is an insert that does nothing if the slot was taken meanwhile. A claim
 * that loses a race reads again; each round some claim wins, so N concurrent starts on one host
 * finish within N rounds.
 */
import type { SlotClaim, WorkerSlots } from '../../ports/worker-slots.ts';
import type { SqlHandle } from './sql-handle.ts';

/** Far above the processes that start at once on one host; reaching it means something else is wrong. */
const MAX_ROUNDS = 256;

export function createSqlWorkerSlots(handle: SqlHandle): WorkerSlots {
  const { db } = handle;
  return {
    async claim(host, pid, isRunning, now): Promise<SlotClaim> {
      for (let round = 0; round < MAX_ROUNDS; round++) {
        const held = await db
          .selectFrom('worker_slots')
          .select(['slot', 'pid'])
          .where('host', '=', host)
          .orderBy('slot')
          .execute();
        const dead = held.find((row) => !isRunning(row.pid));
        if (dead) {
          const taken = await db
            .updateTable('worker_slots')
            .set({ pid, claimed_at: now, seen_at: now })
            .where('host', '=', host)
            .where('slot', '=', dead.slot)
            .where('pid', '=', dead.pid)
            .executeTakeFirst();
          if (taken.numUpdatedRows > 0n) return { slot: dead.slot, predecessorPid: dead.pid };
          continue;
        }
        let slot = 0;
        while (held.some((row) => row.slot === slot)) slot++;
        const inserted = await db
          .insertInto('worker_slots')
          .values({ host, slot, pid, claimed_at: now, seen_at: now })
          .onConflict((conflict) => conflict.doNothing())
          .executeTakeFirst();
        if ((inserted.numInsertedOrUpdatedRows ?? 0n) > 0n) return { slot, predecessorPid: null };
      }
      throw new Error(`could not claim a worker slot on host ${host} after ${MAX_ROUNDS} rounds of concurrent claims`);
    },

    async touch(host, slot, pid, now): Promise<boolean> {
      const result = await db
        .updateTable('worker_slots')
        .set({ seen_at: now })
        .where('host', '=', host)
        .where('slot', '=', slot)
        .where('pid', '=', pid)
        .executeTakeFirst();
      return result.numUpdatedRows > 0n;
    },

    async release(host, slot, pid): Promise<void> {
      await db
        .deleteFrom('worker_slots')
        .where('host', '=', host)
        .where('slot', '=', slot)
        .where('pid', '=', pid)
        .execute();
    },
  };
}
