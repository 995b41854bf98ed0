/**
 * Runs a function while holding a session advisory lock on a connection of its own, waiting for
 * the lock as long as another process holds it: for one-off work that two replicas starting at once
 * must not both do (first-run setup). The lock goes with the session, so a holder that dies never
 * blocks the next one.
 */
import type { PostgresHandle } from './open.ts';

const KEY = `hashtextextended('vidforge:exclusive:' || current_setting('search_path') || ':' || $1, 0)`;

export async function runExclusive<T>(
  handle: Pick<PostgresHandle, 'dedicatedClient'>,
  name: string,
  fn: () => Promise<T>,
): Promise<T> {
  const client = handle.dedicatedClient(`exclusive ${name}`);
  client.on('error', () => {});
  await client.connect();
  try {
    await client.query(`select pg_advisory_lock(${KEY})`, [name]);
    return await fn();
  } finally {
    // Ending the session releases the lock, on the server's side, whatever happened here.
    await client.end().catch(() => {});
  }
}
