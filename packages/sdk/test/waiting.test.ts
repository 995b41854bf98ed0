/**
 * The deadline and the AbortSignal bound every request in flight, not just the pauses: the fault
 * proxy holds task reads for seconds, and the wait must still end on time.
 */
import { TimeoutError } from '@vidforge/sdk';
import { describe, expect, it } from 'vitest';
import { FAST_POLL, slowPrompt, useServerBehindFaultProxy } from './support/sdk-server.ts';

const ctx = useServerBehindFaultProxy();

const TASK_READ = /\/video\/tasks\/[^/?]+$/;
/** These tests hold or fail the polls: the live-progress stream (streaming.test.ts) is left out. */
const POLLING = { ...FAST_POLL, stream: false } as const;
const rejection = (promise: Promise<unknown>) =>
  promise.then(
    () => undefined,
    (e: unknown) => e,
  );

describe('deadline and abort', () => {
  it('the deadline aborts a slow request in flight and keeps what is needed to resume', async () => {
    const client = ctx.env.client({ baseUrl: ctx.proxy.basePath });
    const { taskId } = await client.generate({ prompt: slowPrompt(6, 50) });
    ctx.proxy.inject({ method: 'GET', path: TASK_READ, fault: { kind: 'delay', ms: 3000 } });
    const started = Date.now();
    const error = await rejection(client.waitForTask(taskId, { ...POLLING, timeoutMs: 300 }));
    const elapsed = Date.now() - started;
    expect(error).toBeInstanceOf(TimeoutError);
    expect(error).toMatchObject({ code: 'WAIT_TIMEOUT', taskId });
    // The held request lasts 3 s; ending near 300 ms proves it was aborted, not awaited.
    expect(elapsed).toBeGreaterThanOrEqual(290);
    expect(elapsed).toBeLessThan(1500);
    expect(ctx.proxy.seen.filter((r) => r.fault === 'delay')).toHaveLength(1);

    const resumed = await client.waitForTask((error as TimeoutError).taskId!, FAST_POLL);
    expect(resumed.status).toBe('SUCCESS');
  });

  it('an abort during a slow request rejects at once with the signal reason; the task keeps running', async () => {
    const client = ctx.env.client({ baseUrl: ctx.proxy.basePath });
    const { taskId } = await client.generate({ prompt: slowPrompt(20, 50) });
    ctx.proxy.inject({ method: 'GET', path: TASK_READ, fault: { kind: 'delay', ms: 3000 } });
    const controller = new AbortController();
    const reason = new Error('user pressed stop');
    setTimeout(() => controller.abort(reason), 200);
    const started = Date.now();
    const error = await rejection(client.waitForTask(taskId, { ...POLLING, signal: controller.signal }));
    expect(error).toBe(reason);
    expect(Date.now() - started).toBeLessThan(1500);
    expect(['PENDING', 'IN_PROGRESS', 'SUCCESS']).toContain((await client.getTask(taskId)).status);
  });

  it('an already aborted signal sends nothing', async () => {
    const client = ctx.env.client({ baseUrl: ctx.proxy.basePath });
    const error = await rejection(client.getTask('a'.repeat(20), { signal: AbortSignal.abort('stop') }));
    expect(error).toBe('stop');
    expect(ctx.proxy.seen).toHaveLength(0);
  });

  it('a deadline that passes during the submit keeps the Idempotency-Key, so a resubmit finds the same task', async () => {
    const client = ctx.env.client({ baseUrl: ctx.proxy.basePath });
    ctx.proxy.inject({ method: 'POST', fault: { kind: 'delay', ms: 1500 } });
    const error = await rejection(
      client.generateAndWait(
        { prompt: 'slow submit' },
        { ...FAST_POLL, timeoutMs: 200, idempotencyKey: 'deadline-submit' },
      ),
    );
    expect(error).toBeInstanceOf(TimeoutError);
    expect(error).toMatchObject({ taskId: undefined, idempotencyKey: 'deadline-submit' });
    const resumed = await client.generateAndWait(
      { prompt: 'slow submit' },
      { ...FAST_POLL, idempotencyKey: (error as TimeoutError).idempotencyKey },
    );
    const again = await client.generate({ prompt: 'slow submit' }, { idempotencyKey: 'deadline-submit' });
    expect(again.taskId).toBe(resumed.taskId);
  });

  it('transient errors while waiting are ridden out until the task finishes', async () => {
    const client = ctx.env.client({ baseUrl: ctx.proxy.basePath, maxRetries: 0 });
    const { taskId } = await client.generate({ prompt: slowPrompt(4, 40) });
    ctx.proxy.inject({ method: 'GET', path: TASK_READ, times: 3, fault: { kind: 'respond', status: 503 } });
    const task = await client.waitForTask(taskId, POLLING);
    expect(task.status).toBe('SUCCESS');
    expect(ctx.proxy.seen.filter((r) => r.fault === 'respond')).toHaveLength(3);
  });
});
