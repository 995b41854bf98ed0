/** A process killed with SIGKILL right after its commits loses none of them, in either sync mode. */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openSqliteAdapters } from '../../src/adapters/sqlite/index.ts';
import type { Lease } from '../../src/ports/task-ledger.ts';
import { tempDir } from '../support/temp-dir.ts';

const CHILD = fileURLToPath(new URL('./sqlite-kill.child.ts', import.meta.url));

let dir: Awaited<ReturnType<typeof tempDir>>;
beforeEach(async () => {
  dir = await tempDir('vidforge-sqlite-kill-');
});
afterEach(async () => {
  await dir.remove();
});

async function commitThenDie(file: string, synchronous: string): Promise<{ taskId: string; lease: Lease }> {
  const child = spawn(process.execPath, [CHILD, file, synchronous], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stderr.on('data', (chunk) => {
    err += chunk;
  });
  const said = new Promise<string>((resolve, reject) => {
    child.stdout.on('data', (chunk) => {
      out += chunk;
      if (out.includes('\n')) resolve(out);
    });
    child.once('exit', (code) => reject(new Error(`child exited ${code} before reporting: ${err}`)));
  });
  try {
    return JSON.parse(await said);
  } finally {
    const exited = once(child, 'exit');
    child.kill('SIGKILL');
    await exited;
  }
}

describe('kill -9 after commit', () => {
  for (const synchronous of ['NORMAL', 'FULL']) {
    it(`keeps the submit and the lease with synchronous=${synchronous}`, async () => {
      const file = join(dir.path, 'vidforge.db');
      const { taskId, lease } = await commitThenDie(file, synchronous);
      const adapters = openSqliteAdapters({ file });
      try {
        expect(await adapters.ledger.get(taskId)).toMatchObject({ status: 'IN_PROGRESS', attempts: 1 });
        expect(await adapters.ledger.get(`${taskId}-queued`)).toMatchObject({ status: 'PENDING' });
        // The dead worker's lease is found by the reaper once it expires, and can be retried.
        const [expired] = await adapters.ledger.expired(lease.expiresAt + 1, 10);
        expect(expired).toEqual({ ...lease, maxAttempts: 3, engine: 'preview', type: 'generate' });
        expect(
          await adapters.ledger.retry(
            expired!,
            { code: 'ENGINE_FAILED', message: 'worker died' },
            0,
            lease.expiresAt + 1,
          ),
        ).toBe(true);
      } finally {
        await adapters.close();
      }
    });
  }
});
