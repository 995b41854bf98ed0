/**
 * kill -9 of the server while tasks are pending and running loses no accepted task, and after a
 * restart every task finishes exactly once (one successful attempt, one result kept).
 */
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import pino from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { createFsBlobStore } from '../../src/adapters/blob-fs/fs-blob-store.ts';
import { openSqliteAdapters } from '../../src/adapters/sqlite/index.ts';
import { sweepOrphans } from '../../src/modules/maintenance/orphan-sweeper.ts';
import { tempDir } from '../support/index.ts';
import { prepareTestAccess, seedApi, spawnServer } from './child-server.ts';

const dirs: { remove(): Promise<void> }[] = [];
afterAll(async () => {
  for (const dir of dirs) await dir.remove();
});

describe('crash recovery', () => {
  it('finishes every accepted task exactly once after SIGKILL and restart', async () => {
    const dir = await tempDir();
    dirs.push(dir);
    const { endpointPath, key } = prepareTestAccess(dir.path);
    const env = { VIDFORGE_DATA_DIR: dir.path, VIDFORGE_LEASE_MS: '1000', VIDFORGE_WORKERS: '2' };
    const first = await spawnServer(env);

    const submit = async (url: string, i: number) => {
      const response = await fetch(`${url}/v1/ai/${endpointPath}/video/generate`, {
        method: 'POST',
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
        body: JSON.stringify({ prompt: `test: steps=10 stepMs=60 n=${i}` }),
      });
      return response.status === 200 ? ((await response.json()) as { taskId: string }).taskId : null;
    };
    const accepted: string[] = [];
    for (let i = 0; i < 8; i++) {
      const id = await submit(first.url, i);
      if (id) accepted.push(id);
    }
    // Let some start running, then kill in the middle of a burst of submits.
    await new Promise((r) => setTimeout(r, 250));
    const burst = Array.from({ length: 10 }, (_, i) => submit(first.url, 100 + i).catch(() => null));
    await new Promise((r) => setTimeout(r, 5));
    first.child.kill('SIGKILL');
    for (const id of await Promise.all(burst)) if (id) accepted.push(id);
    await first.exited;
    expect(accepted.length).toBeGreaterThanOrEqual(8);

    const second = await spawnServer(env);
    try {
      const deadline = Date.now() + 30_000;
      const states = new Map<string, string>();
      while (Date.now() < deadline) {
        for (const id of accepted) {
          const response = await fetch(`${second.url}/v1/ai/${endpointPath}/video/tasks/${id}`, {
            headers: { authorization: `Bearer ${key}` },
          });
          expect(response.status, `task ${id} lost`).toBe(200);
          states.set(id, ((await response.json()) as { status: string }).status);
        }
        if ([...states.values()].every((s) => s === 'SUCCESS' || s === 'FAIL')) break;
        await new Promise((r) => setTimeout(r, 100));
      }
      expect(
        [...states.values()].every((s) => s === 'SUCCESS'),
        JSON.stringify([...states]),
      ).toBe(true);
    } finally {
      second.child.kill('SIGTERM');
      await second.exited;
    }
    // A POST cut off by the kill after its commit created a task whose id the client never saw:
    // it must finish too. Every task ran to success exactly once, with one result file.
    const db = new DatabaseSync(join(dir.path, 'vidforge.db'), { readOnly: true });
    const statuses = db.prepare('SELECT id, status FROM tasks').all() as { id: string; status: string }[];
    const rows = db
      .prepare("SELECT task_id, COUNT(*) AS n FROM task_attempts WHERE outcome = 'succeeded' GROUP BY task_id")
      .all() as { task_id: string; n: number }[];
    db.close();
    expect(
      statuses.every((t) => t.status === 'SUCCESS'),
      JSON.stringify(statuses),
    ).toBe(true);
    expect(rows.map((r) => r.task_id).sort()).toEqual(statuses.map((t) => t.id).sort());
    expect(rows.every((r) => Number(r.n) === 1)).toBe(true);
    for (const id of accepted) expect(statuses.some((t) => t.id === id)).toBe(true);
    // Each attempt writes its own key; a killed attempt may have left one the orphan sweep removes.
    const storage = openSqliteAdapters({ file: join(dir.path, 'vidforge.db') });
    try {
      const blobs = createFsBlobStore(join(dir.path, 'media'));
      await sweepOrphans({ ledger: storage.ledger, blobs, log: pino({ level: 'silent' }) });
      const kept: string[] = [];
      for await (const entry of blobs.list('results/')) kept.push(entry.key);
      const committed = await Promise.all(statuses.map(async (t) => (await storage.ledger.get(t.id))?.outputKey));
      expect(kept.sort()).toEqual(committed.sort());
    } finally {
      await storage.close();
    }
  });

  it("a restarted server takes back its killed predecessor's running tasks at once, not after the lease", async () => {
    const dir = await tempDir();
    dirs.push(dir);
    const { endpointPath, key } = prepareTestAccess(dir.path);
    // A lease far longer than this test may take: only the reclaim at start can restart the task.
    const env = { VIDFORGE_DATA_DIR: dir.path, VIDFORGE_LEASE_MS: '120000', VIDFORGE_WORKERS: '1' };
    const first = await spawnServer(env);
    const { taskId } = await seedApi(first.url, endpointPath, key).call('generate', {
      prompt: 'test: steps=20 stepMs=100',
    });
    await seedApi(first.url, endpointPath, key).until(taskId, ['IN_PROGRESS'], 200);
    first.child.kill('SIGKILL');
    await first.exited;

    const second = await spawnServer(env);
    try {
      // Far fewer looks than the 120 s lease would need.
      await seedApi(second.url, endpointPath, key).until(taskId, ['SUCCESS'], 300);
    } finally {
      second.child.kill('SIGTERM');
      await second.exited;
    }
    const db = new DatabaseSync(join(dir.path, 'vidforge.db'), { readOnly: true });
    const attempts = db
      .prepare('SELECT attempt, outcome, error_message FROM task_attempts WHERE task_id = ? ORDER BY attempt')
      .all(taskId) as { attempt: number; outcome: string; error_message: string | null }[];
    db.close();
    expect(attempts.map((a) => [a.attempt, a.outcome])).toEqual([
      [1, 'retry'],
      [2, 'succeeded'],
    ]);
  });
});
