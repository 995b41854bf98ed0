/**
 * The life of a task through the API with the deterministic test engine: progress, success,
 * retries with backoff, deterministic failures, crashes, deadline, cancel and listing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pollTask, startTestServer, type TestServer } from '../support/index.ts';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({ env: { VIDFORGE_TASK_TIMEOUT_MS: '3000', VIDFORGE_MAX_ATTEMPTS: '3' } });
});
afterAll(() => server.stop());

const submit = async (prompt: string) => {
  const response = await server.call('POST', '/video/generate', { prompt });
  expect(response.status).toBe(200);
  return response.body.taskId as string;
};

describe('a successful task', () => {
  it('goes PENDING → IN_PROGRESS → SUCCESS with rising progress and a media URL', async () => {
    const id = await submit('test: steps=8 stepMs=40');
    const { task, seen } = await pollTask(server, id);
    expect(task).toMatchObject({ status: 'SUCCESS', progress: 1, error: null, type: 'generate' });
    expect(task.mediaUrl).toMatch(new RegExp(`^${server.url}/v1/media/${id}\\.mp4\\?exp=\\d+&kid=\\w+&sig=`));
    expect(task.expireTime).toBeGreaterThan(Date.now());
    expect(task.video).toMatchObject({ width: 64, height: 64, fps: 24 });
    const progress = seen.map((t) => t.progress);
    for (let i = 1; i < progress.length; i++) expect(progress[i]).toBeGreaterThanOrEqual(progress[i - 1]);
    expect(seen.filter((t) => t.status !== 'SUCCESS').every((t) => t.progress < 1)).toBe(true);
    expect(seen.some((t) => t.status === 'IN_PROGRESS' && t.progress > 0 && t.progress < 1)).toBe(true);
    for (const t of seen.filter((s) => s.status !== 'SUCCESS'))
      expect([t.mediaUrl, t.expireTime]).toEqual([null, null]);
  });

  it('signs a fresh URL every second (expiries are whole seconds; polls within one share a URL)', async () => {
    const id = await submit('test: steps=1');
    const { task } = await pollTask(server, id);
    expect(task.expireTime % 1000).toBe(0);
    expect(task.expireTime).toBeGreaterThan(Date.now() + 60 * 60_000 - 2000);
    expect(new URL(task.mediaUrl).searchParams.get('exp')).toBe(String(task.expireTime));
    await new Promise((r) => setTimeout(r, 1005));
    const again = (await server.call('GET', `/video/tasks/${id}`)).body;
    expect(again.expireTime).toBeGreaterThan(task.expireTime);
    expect(again.mediaUrl).not.toBe(task.mediaUrl);
  });
});

describe('failures', () => {
  it('retries a retryable failure and then succeeds', async () => {
    const id = await submit('test: failAttempts=2 retryable=true steps=1');
    const { task } = await pollTask(server, id);
    expect(task.status).toBe('SUCCESS');
  });

  it('fails after the last attempt with the engine error', async () => {
    const id = await submit('test: failAttempts=5 retryable=true steps=1');
    const { task } = await pollTask(server, id);
    expect(task).toMatchObject({ status: 'FAIL', error: { code: 'ENGINE_FAILED' }, mediaUrl: null, video: null });
    expect(task.error.message).toMatch(/attempt 3/);
  });

  it('fails at once on a deterministic (not retryable) error', async () => {
    const id = await submit('test: failAttempts=1 retryable=false failCode=SOURCE_INVALID steps=1');
    const { task } = await pollTask(server, id);
    expect(task.error).toEqual({ code: 'SOURCE_INVALID', message: 'test engine failed attempt 1 on purpose' });
  });

  it('hides the details of an engine crash and retries it', async () => {
    const id = await submit('test: failAttempts=1 crash=true steps=1');
    expect((await pollTask(server, id)).task.status).toBe('SUCCESS');
    const always = await submit('test: failAttempts=9 crash=true steps=1');
    const { task } = await pollTask(server, always);
    expect(task.error.code).toBe('ENGINE_FAILED');
    expect(task.error.message).not.toMatch(/on purpose|at |\//);
  });

  it('fails with TIMEOUT past the deadline and stops the worker', async () => {
    const id = await submit('test: steps=100 stepMs=100');
    const { task } = await pollTask(server, id, undefined, 10_000);
    expect(task.error.code).toBe('TIMEOUT');
    // The worker was stopped: a new task is picked up right away by the freed worker.
    const next = await submit('test: steps=1');
    expect((await pollTask(server, next)).task.status).toBe('SUCCESS');
  });
});

describe('cancel', () => {
  it('cancels a running task; the worker stops and a late result is never written', async () => {
    const id = await submit('test: steps=50 stepMs=50');
    await pollTask(server, id, (t) => t.status === 'IN_PROGRESS' && t.progress > 0);
    const cancelled = await server.call('DELETE', `/video/tasks/${id}`);
    expect(cancelled.status).toBe(200);
    expect(cancelled.body).toMatchObject({ status: 'FAIL', error: { code: 'CANCELLED' }, mediaUrl: null });
    await new Promise((r) => setTimeout(r, 300));
    expect((await server.call('GET', `/video/tasks/${id}`)).body.status).toBe('FAIL');
    // Cancelling again is harmless; cancelling a finished task is a conflict.
    expect((await server.call('DELETE', `/video/tasks/${id}`)).status).toBe(200);
    const done = await submit('test: steps=1');
    await pollTask(server, done);
    const conflict = await server.call('DELETE', `/video/tasks/${done}`);
    expect(conflict.status).toBe(409);
    expect(conflict.body.error.code).toBe('TASK_NOT_CANCELLABLE');
  });
});

describe('list', () => {
  it('pages newest first with a cursor and filters by status', async () => {
    const fresh = await startTestServer({ env: { VIDFORGE_WORKERS: '0' } });
    try {
      const ids: string[] = [];
      for (let i = 0; i < 5; i++) {
        ids.push((await fresh.call('POST', '/video/generate', { prompt: `n${i}` })).body.taskId);
        await new Promise((r) => setTimeout(r, 2));
      }
      await fresh.call('DELETE', `/video/tasks/${ids[1]}`);
      const seen: string[] = [];
      let cursor: string | null = null;
      do {
        const query: string = cursor ? `?limit=2&cursor=${cursor}` : '?limit=2';
        const page = await fresh.call('GET', `/video/tasks${query}`);
        expect(page.status).toBe(200);
        expect(page.body.tasks.length).toBeLessThanOrEqual(2);
        seen.push(...page.body.tasks.map((t: { taskId: string }) => t.taskId));
        cursor = page.body.nextCursor;
      } while (cursor);
      expect(seen).toEqual([...ids].reverse());
      const failed = await fresh.call('GET', '/video/tasks?status=FAIL');
      expect(failed.body.tasks.map((t: { taskId: string }) => t.taskId)).toEqual([ids[1]]);
      for (const bad of [
        '?limit=0',
        '?limit=101',
        '?limit=abc',
        '?limit=1e1',
        '?status=DONE',
        '?cursor=%%%',
        '?cursor=bm9wZQ',
        '?foo=1',
        '?limit=1&limit=2',
      ]) {
        const response = await fresh.call('GET', `/video/tasks${bad}`);
        expect(response.status, bad).toBe(400);
        expect(response.body.error.code).toBe('INVALID_PARAMETER');
      }
    } finally {
      await fresh.stop();
    }
  });
});
