/** Runs the raw-SQLite floor (sqlite-child.ts) pinned like the servers, and returns tasks per second. */
import { fileURLToPath } from 'node:url';
import { SERVER_CPU, spawnNodeChild } from './processes.ts';

const SQLITE_CHILD = fileURLToPath(new URL('./sqlite-child.ts', import.meta.url));

export async function storageFloor(
  dir: string,
  mode: 'NORMAL' | 'FULL',
  commitsPerTask: 1 | 3,
  seconds: number,
): Promise<number> {
  const child = spawnNodeChild(SQLITE_CHILD, {
    cpus: SERVER_CPU,
    args: [dir, mode, String(commitsPerTask), String(seconds)],
  });
  const result = await child.next<{ type: 'result'; tasksPerSecond: number }>('result', seconds * 1000 + 30_000);
  await child.stop();
  return result.tasksPerSecond;
}
