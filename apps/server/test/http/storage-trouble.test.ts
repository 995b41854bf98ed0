/**
 * The API under storage trouble, with real processes and files: a lock held by another process
 * does not freeze the server (liveness answers at once), writes that cannot get through in time
 * are 503 with Retry-After (not 500), readiness probes a real write, and a deleted database file
 * is noticed: no POST is acknowledged into the void.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../support/index.ts';

let server: TestServer;

beforeAll(async () => {
  server = await startTestServer({ env: { VIDFORGE_SQLITE_BUSY_TIMEOUT_MS: '500', VIDFORGE_WORKERS: '0' } });
});
afterAll(() => server?.stop());

async function holdLock(file: string): Promise<{ child: ChildProcess; released: Promise<void> }> {
  const child = spawn(process.execPath, [join(import.meta.dirname, 'lock-holder.child.ts'), file], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  let out = '';
  const seen = (word: string) =>
    new Promise<void>((resolve) => {
      const check = () => (out.includes(word) ? resolve() : undefined);
      child.stdout!.on('data', (chunk) => {
        out += chunk;
        check();
      });
      check();
    });
  await seen('locked');
  return { child, released: seen('released') };
}

describe('storage trouble through the API', () => {
  it('a lock held by another process: liveness answers, writes get 503 with Retry-After, then all recovers', async () => {
    const { child, released } = await holdLock(join(server.dataDir, 'vidforge.db'));
    let lockHeld = true;
    void released.then(() => {
      lockHeld = false;
    });
    const post = server.call('POST', '/video/generate', { prompt: 'test: n=1' });
    // The POST is waiting on timers for the lock; the event loop is free for everyone else.
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
    expect(lockHeld).toBe(true);
    const refused = await post;
    expect(refused.status).toBe(503);
    expect(refused.body.error.code).toBe('SERVICE_UNAVAILABLE');
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    const ready = await fetch(`${server.url}/readyz`);
    expect(ready.status).toBe(503);
    expect(lockHeld).toBe(true);

    child.stdin!.end();
    await released;
    expect((await server.call('POST', '/video/generate', { prompt: 'test: n=2' })).status).toBe(200);
    expect((await fetch(`${server.url}/readyz`)).status).toBe(200);
  });

  it('a deleted database file: not ready, and a POST is refused instead of acknowledged and lost', async () => {
    for (const suffix of ['', '-wal', '-shm']) await rm(join(server.dataDir, `vidforge.db${suffix}`), { force: true });
    const ready = await fetch(`${server.url}/readyz`);
    expect(ready.status).toBe(503);
    expect(((await ready.json()) as { error: { message: string } }).error.message).toMatch(/deleted/);
    const post = await server.call('POST', '/video/generate', { prompt: 'test: n=3' });
    expect(post.status).toBe(503);
    expect(post.body.error.code).toBe('SERVICE_UNAVAILABLE');
  });
});
