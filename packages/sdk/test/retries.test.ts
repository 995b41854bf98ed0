/** Retries after 429/503 (honouring Retry-After), timeouts and lost responses; a retried submit makes one task. */
import { describe, expect, it } from 'vitest';
import { startFaultProxy } from './support/fault-proxy.ts';
import { startSdkServer, useServerBehindFaultProxy } from './support/sdk-server.ts';

const ctx = useServerBehindFaultProxy();

const LIST = /\/video\/tasks(\?|$)/;

describe('retries', () => {
  it('waits out Retry-After on 503, then succeeds', async () => {
    ctx.proxy.inject({
      method: 'GET',
      path: LIST,
      fault: { kind: 'respond', status: 503, headers: { 'retry-after': '1' } },
    });
    const client = ctx.env.client({ baseUrl: ctx.proxy.basePath });
    const page = await client.listTasksPage();
    expect(Array.isArray(page.tasks)).toBe(true);
    const [first, second] = ctx.proxy.seen;
    expect([first?.fault, second?.fault]).toEqual(['respond', undefined]);
    // Retry-After: 1 means one second, although the client's own backoff would be 20..40 ms.
    expect(second!.at - first!.at).toBeGreaterThanOrEqual(990);
  });

  it('retries a 429 with an HTTP-date Retry-After, and 5xx without one using backoff', async () => {
    // A date just past means "retry now" (parsing future dates is covered in backoff.test.ts).
    const past = new Date(Date.now() - 1000).toUTCString();
    ctx.proxy.inject({
      method: 'GET',
      path: LIST,
      fault: { kind: 'respond', status: 429, headers: { 'retry-after': past } },
    });
    ctx.proxy.inject({ method: 'GET', path: LIST, fault: { kind: 'respond', status: 500 } });
    const page = await ctx.env.client({ baseUrl: ctx.proxy.basePath }).listTasksPage();
    expect(page.nextCursor === null || typeof page.nextCursor === 'string').toBe(true);
    expect(ctx.proxy.seen.map((r) => r.fault)).toEqual(['respond', 'respond', undefined]);
  });

  it('gives up after maxRetries', async () => {
    ctx.proxy.inject({
      method: 'GET',
      path: LIST,
      times: 5,
      fault: { kind: 'respond', status: 503, headers: { 'retry-after': '0' } },
    });
    await expect(ctx.env.client({ baseUrl: ctx.proxy.basePath, maxRetries: 3 }).listTasksPage()).rejects.toMatchObject({
      status: 503,
    });
    expect(ctx.proxy.seen).toHaveLength(4);
  });

  it('retries after the per-attempt timeout', async () => {
    ctx.proxy.inject({ method: 'GET', path: LIST, fault: { kind: 'delay', ms: 2000 } });
    const started = Date.now();
    await ctx.env.client({ baseUrl: ctx.proxy.basePath, timeoutMs: 200 }).listTasksPage();
    expect(Date.now() - started).toBeLessThan(1500);
    expect(ctx.proxy.seen.map((r) => r.fault)).toEqual(['delay', undefined]);
  });

  it('a POST whose response is lost is retried with the same Idempotency-Key and creates one task', async () => {
    const fresh = await startSdkServer();
    const front = await startFaultProxy(fresh.server.url);
    try {
      front.inject({ method: 'POST', fault: { kind: 'drop' } });
      const client = fresh.client({ baseUrl: front.basePath });
      const { taskId } = await client.generate({ prompt: 'only once' });
      const posts = front.seen.filter((r) => r.method === 'POST');
      expect(posts.map((r) => r.fault)).toEqual(['drop', undefined]);
      const keys = posts.map((r) => r.headers['idempotency-key']);
      expect(keys[0]).toMatch(/^vf_[0-9a-f]{32}$/);
      expect(keys[1]).toBe(keys[0]);
      // The first attempt did reach the server: without the key there would be two tasks now.
      const tasks = (await fresh.client().listTasksPage({ limit: 100 })).tasks;
      expect(tasks.map((t) => t.taskId)).toEqual([taskId]);
    } finally {
      await front.close();
      await fresh.stop();
    }
  });
});
