/**
 * The embedded mode's LeaderLock: always held. Processes sharing one SQLite file (roles run apart)
 * may each reap; every reaper write is a fenced compare-and-set, so the second finds nothing to do.
 */
import type { LeaderLock } from '../../ports/leader-lock.ts';

export const localLeaderLock: LeaderLock = {
  hold: async () => true,
  close: async () => {},
};
