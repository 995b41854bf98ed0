/**
 * Who this process's in-process workers are in the lease table: `local:<host>:<slot>:<n>`, where
 * the slot is stable across restarts (ports/worker-slots.ts). Before slots the id held the pid,
 * and a restarted process could not tell its killed predecessor's leases from anyone else's: its
 * running tasks waited out the whole lease (30 s by default) before they ran again.
 */
import { MAX_WORKERS } from '../../config/config.schema.ts';

/** Whether a process with this pid exists on this host (EPERM: it exists, it is someone else's). */
export function isProcessRunning(pid: number): boolean {
  // A restarted container gets the same pid as its previous life; this process holds no slot yet.
  if (pid === process.pid) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export const workerIdPrefixOf = (host: string, slot: number) => `local:${host}:${slot}`;

/** Every worker id a process in this slot can have used, whatever its worker count was. */
export const workerIdsOf = (prefix: string) => Array.from({ length: MAX_WORKERS }, (_, i) => `${prefix}:${i}`);
