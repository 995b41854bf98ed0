/**
 * Stable identities for server processes on one host. A process claims the lowest slot that is
 * free, or whose holder on this host is no longer running: then it is that holder's successor and
 * may take back the leases the holder's workers left open when it died.
 */
export interface SlotClaim {
  slot: number;
  /** The pid of the dead process this one succeeds; null for a slot that was free. */
  predecessorPid: number | null;
}

export interface WorkerSlots {
  /** Atomic: concurrent starts on the same host, from any number of processes, never share a slot. */
  claim(host: string, pid: number, isRunning: (pid: number) => boolean, now: number): Promise<SlotClaim>;
  /**
   * A real write (readiness): records that the holder is alive. False when this pid no longer
   * holds the slot, e.g. because the database was replaced by another file.
   */
  touch(host: string, slot: number, pid: number, now: number): Promise<boolean>;
  /** Gives the slot up (clean shutdown), if this pid still holds it. */
  release(host: string, slot: number, pid: number): Promise<void>;
}
