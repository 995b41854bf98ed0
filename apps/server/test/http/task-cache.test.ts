/**
 * Polls read tasks through a cache checked against the row's version (modules/tasks/task-cache.ts).
 * Here another process (a replica on the same database, which runs the task) and another connection
 * (a direct write that leaves status and progress alone) change the task while this server has it
 * cached: every poll must show at least what the database held when the poll was sent.
 */

import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnServer } from '../process/child-server.ts';
import { startTestServer, type TestServer } from '../support/index.ts';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({ env: { VIDFORGE_WORKERS: '0' } });
});
afterAll(() => server.stop());

const RANK = { PENDING: 0, IN_PROGRESS: 1, SUCCESS: 2, FAIL: 2 } as Record<string, number>;

describe('the poll cache and changes made elsewhere', () => {
  it('shows every change another process or connection committed before the poll', async () => {
    const submitted = await server.call('POST', '/video/generate', { prompt: 'test: steps=6 stepMs=120' });
    expect(submitted.status).toBe(200);
    const id: string = submitted.body.taskId;
    const poll = async () => (await server.call('GET', `/video/tasks/${id}`)).body;
    // Cached while PENDING: nothing here runs tasks.
    for (let i = 0; i < 3; i++) expect(await poll()).toMatchObject({ status: 'PENDING', progress: 0 });

    // Waits out the server's own write transactions instead of failing with "database is locked".
    const db = new DatabaseSync(join(server.dataDir, 'vidforge.db'), { timeout: 10_000 });
    const stored = db.prepare('SELECT status, progress FROM tasks WHERE id = ?');
    const replica = await spawnServer({ VIDFORGE_DATA_DIR: server.dataDir, VIDFORGE_WORKERS: '1' });
    try {
      const seen = new Set<string>();
      const deadline = Date.now() + 20_000;
      let task: any;
      do {
        const before = stored.get(id) as { status: string; progress: number };
        task = await poll();
        // At least as new as the row was before the poll was sent.
        expect(RANK[task.status]).toBeGreaterThanOrEqual(RANK[before.status]!);
        if (task.status === before.status) expect(task.progress).toBeGreaterThanOrEqual(before.progress);
        seen.add(`${task.status}:${task.progress}`);
      } while (task.status !== 'SUCCESS' && Date.now() < deadline);
      expect(task.status).toBe('SUCCESS');
      expect(task.mediaUrl).toMatch(/^http/);
      // The replica's progress reached this server's polls along the way.
      expect([...seen].some((s) => s.startsWith('IN_PROGRESS:') && s !== 'IN_PROGRESS:0')).toBe(true);

      // A change that moves neither status nor progress, on another connection: the result deleted.
      expect((await poll()).mediaUrl).not.toBeNull();
      db.prepare('UPDATE tasks SET result_deleted_at = ? WHERE id = ?').run(Date.now(), id);
      expect(await poll()).toMatchObject({ status: 'SUCCESS', mediaUrl: null, expireTime: null });
    } finally {
      db.close();
      replica.child.kill('SIGTERM');
      await replica.exited;
    }
  });
});
