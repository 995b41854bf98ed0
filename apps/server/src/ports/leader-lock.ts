/**
 * Work that must run on one process of a fleet at a time (the reaper, the retention sweeper).
 * Correctness never depends on it (every write they make is fenced), it keeps N replicas from
 * doing the same scan N times.
 */
export interface LeaderLock {
  /** True when this process holds `name` now (acquiring it if free). Cheap to call on every tick. */
  hold(name: string): Promise<boolean>;
  /** Gives up everything held (clean shutdown). */
  close(): Promise<void>;
}
