/**
 * SIGTERM drains: requests in flight finish, new ones get 503, running tasks go back to the queue
 * (not waiting for their lease), and the process exits within the grace period.
 */

import { request } from 'node:http';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { afterAll, describe, expect, it } from 'vitest';
import { tempDir } from '../support/index.ts';
import { prepareTestAccess, spawnServer } from './child-server.ts';

const dirs: { remove(): Promise<void> }[] = [];
afterAll(async () => {
  for (const dir of dirs) await dir.remove();
});

describe('SIGTERM', () => {
  it('drains requests, releases running tasks and exits within the grace period', async () => {
    const dir = await tempDir();
    dirs.push(dir);
    const { endpointPath, key } = prepareTestAccess(dir.path);
    const server = await spawnServer({
      VIDFORGE_DATA_DIR: dir.path,
      VIDFORGE_SHUTDOWN_GRACE_MS: '500',
      VIDFORGE_LEASE_MS: '60000',
      VIDFORGE_WORKERS: '1',
    });
    const headers = { authorization: `Bearer ${key}`, 'content-type': 'application/json' };
    const base = `${server.url}/v1/ai/${endpointPath}/video`;
    const { taskId } = (await (
      await fetch(`${base}/generate`, {
        method: 'POST',
        headers,
        body: JSON.stringify({ prompt: 'test: steps=200 stepMs=50' }),
      })
    ).json()) as { taskId: string };
    // Wait until it runs.
    for (let i = 0; i < 100; i++) {
      const task = (await (await fetch(`${base}/tasks/${taskId}`, { headers })).json()) as { status: string };
      if (task.status === 'IN_PROGRESS') break;
      await new Promise((r) => setTimeout(r, 20));
    }
    // A request whose body is still arriving when the signal lands is in flight: it must finish.
    const inFlight = slowPost(`${base}/generate`, key, JSON.stringify({ prompt: 'test: steps=1' }));
    await new Promise((r) => setTimeout(r, 150));
    const started = Date.now();
    server.child.kill('SIGTERM');
    await new Promise((r) => setTimeout(r, 50));
    inFlight.finish();
    const accepted = await inFlight.response;
    expect(accepted.status).toBe(200);
    expect(JSON.parse(accepted.body).taskId).toEqual(expect.any(String));
    await new Promise((r) => setTimeout(r, 50));
    const during = await fetch(`${base}/tasks/${taskId}`, { headers }).catch(() => null);
    if (during) {
      expect(during.status).toBe(503);
      expect(during.headers.get('retry-after')).toBeTruthy();
      expect(((await during.json()) as { error: { code: string } }).error.code).toBe('SERVICE_UNAVAILABLE');
    }
    const code = await server.exited;
    expect(code).toBe(0);
    expect(Date.now() - started).toBeLessThan(5000);
    const db = new DatabaseSync(join(dir.path, 'vidforge.db'), { readOnly: true });
    const task = db.prepare('SELECT status, attempts FROM tasks WHERE id = ?').get(taskId) as {
      status: string;
      attempts: number;
    };
    const attempt = db.prepare('SELECT outcome FROM task_attempts WHERE task_id = ?').get(taskId) as {
      outcome: string;
    };
    db.close();
    expect(task).toEqual({ status: 'PENDING', attempts: 0 });
    expect(attempt.outcome).toBe('released');
  });
});

/** A POST that sends its headers and half its body now, and the rest on finish(). */
function slowPost(url: string, key: string, body: string) {
  const req = request(url, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${key}`,
      'content-type': 'application/json',
      'content-length': Buffer.byteLength(body),
    },
  });
  const half = Math.floor(body.length / 2);
  req.write(body.slice(0, half));
  const response = new Promise<{ status: number; body: string }>((resolve, reject) => {
    req.on('response', (res) => {
      let text = '';
      res.on('data', (d) => {
        text += d;
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
    });
    req.on('error', reject);
  });
  return { response, finish: () => req.end(body.slice(half)) };
}
