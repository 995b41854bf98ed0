/**
 * The embedded mode's LeaderLock: every process always holds every name. Processes sharing one
 * SQLite file (an API process and a worker process on one machine, docs/fleet.md) may then both
 * run the reaper, and that is harmless: every reaper write is a fenced compare-and-set on the row
 * it read (a lease's token and expiry, a task's status), so when two reap the same lease one write
 * changes it and the other changes nothing. What a real lock would save, a duplicate scan of one
 * small file, is not worth a lock that SQLite does not offer across processes without blocking.
 */
import type { LeaderLock } from '../../ports/leader-lock.ts';

export const alwaysLeader: LeaderLock = {
  hold: async () => true,
  close: async () => {},
};
