/**
 * kill -9 of the server while tasks are pending and running loses no accepted task, and after a
 * restart every task finishes exactly once (one successful attempt, one result file).
 */
import { randomBytes } from 'node:crypto';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { afterAll, describe, expect, it } from 'vitest';
import { tempDir } from '../support/index.ts';
import { spawnServer } from './child-server.ts';

const dirs: { remove(): Promise<void> }[] = [];
afterAll(async () => {
  for (const dir of dirs) await dir.remove();
});

describe('crash recovery', () => {
  it('finishes every accepted task exactly once after SIGKILL and restart', async () => {
    const dir = await tempDir();
    dirs.push(dir);
    const key = `crash_${randomBytes(16).toString('base64url')}`;
    const env = {
      VIDFORGE_DATA_DIR: dir.path,
      VIDFORGE_BOOTSTRAP_KEY: key,
      VIDFORGE_BOOTSTRAP_ENDPOINT: 'crashtest',
      VIDFORGE_LEASE_MS: '1000',
      VIDFORGE_WORKERS: '2',
    };
    // The bootstrap endpoint uses the preview engine; a test-engine endpoint is added for speed.
    const first = await spawnServer(env);
    const { execFileSync } = await import('node:child_process');
    const bin = join(import.meta.dirname, '../../../cli/bin/vidforge.js');
    const created = JSON.parse(
      execFileSync(
        process.execPath,
        [bin, 'endpoints', 'create', '--engine', 'test', '--path', 'crashtestengine', '--json'],
        {
          env: { ...process.env, VIDFORGE_DATA_DIR: dir.path, VIDFORGE_ENABLE_TEST_ENGINE: 'true' },
        },
      ).toString(),
    );
    const keyId = JSON.parse(
      execFileSync(process.execPath, [bin, 'keys', 'list', '--json'], {
        env: { ...process.env, VIDFORGE_DATA_DIR: dir.path },
      }).toString(),
    )[0].id;
    execFileSync(process.execPath, [bin, 'keys', 'grant', keyId, created.path], {
      env: { ...process.env, VIDFORGE_DATA_DIR: dir.path },
    });

    const submit = async (url: string, i: number) => {
      const response = await fetch(`${url}/v1/ai/crashtestengine/video/generate`, {
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
          const response = await fetch(`${second.url}/v1/ai/crashtestengine/video/tasks/${id}`, {
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
    const db = new DatabaseSync(join(dir.path, 'vidforge.db'), { readOnly: true });
    const rows = db
      .prepare("SELECT task_id, COUNT(*) AS n FROM task_attempts WHERE outcome = 'succeeded' GROUP BY task_id")
      .all() as { task_id: string; n: number }[];
    db.close();
    expect(rows.length).toBe(accepted.length);
    expect(rows.every((r) => Number(r.n) === 1)).toBe(true);
    const files = await readdir(join(dir.path, 'media', 'results'));
    expect(files.filter((f) => f.endsWith('.mp4')).sort()).toEqual(accepted.map((id) => `${id}.mp4`).sort());
  });
});
