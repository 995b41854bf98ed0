/** WorkerSlots over SQLite: the claim runs under BEGIN IMMEDIATE, so concurrent starts serialise. */
import type { SlotClaim, WorkerSlots } from '../../ports/worker-slots.ts';
import type { SqlHandle } from './sql-handle.ts';

export function createSqlWorkerSlots(handle: SqlHandle): WorkerSlots {
  const { db } = handle;
  return {
    claim(host, pid, isRunning, now): Promise<SlotClaim> {
      return db.transaction().execute(async (trx) => {
        const held = await trx
          .selectFrom('worker_slots')
          .select(['slot', 'pid'])
          .where('host', '=', host)
          .orderBy('slot')
          .execute();
        const dead = held.find((row) => !isRunning(row.pid));
        if (dead) {
          await trx
            .updateTable('worker_slots')
            .set({ pid, claimed_at: now, seen_at: now })
            .where('host', '=', host)
            .where('slot', '=', dead.slot)
            .execute();
          return { slot: dead.slot, predecessorPid: dead.pid };
        }
        let slot = 0;
        while (held.some((row) => row.slot === slot)) slot++;
        await trx.insertInto('worker_slots').values({ host, slot, pid, claimed_at: now, seen_at: now }).execute();
        return { slot, predecessorPid: null };
      });
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
