/** Each typed error, produced by the real server (or, for 429/5xx, by the fault proxy in front of it). */
import {
  APIError,
  AuthenticationError,
  ConflictError,
  ConnectionError,
  type GenerateRequestInput,
  InvalidRequestError,
  MediaUnavailableError,
  NotFoundError,
  RateLimitError,
  ServerError,
  TaskFailedError,
  TimeoutError,
  Vidforge,
} from '@vidforge/sdk';
import { describe, expect, it } from 'vitest';
import { startFaultProxy } from './support/fault-proxy.ts';
import { FAST_POLL, slowPrompt, useServerBehindFaultProxy } from './support/sdk-server.ts';

const ctx = useServerBehindFaultProxy();

const rejection = (promise: Promise<unknown>) =>
  promise.then(
    () => undefined,
    (e: unknown) => e,
  );

describe('typed errors', () => {
  it('AuthenticationError for an unknown key, with status, code and request id', async () => {
    const error = await rejection(ctx.env.client({ accessKey: 'not-a-key' }).getTask('x'.repeat(20)));
    expect(error).toBeInstanceOf(AuthenticationError);
    expect(error).toBeInstanceOf(APIError);
    expect(error).toMatchObject({ status: 401, code: 'UNAUTHORIZED', name: 'AuthenticationError' });
    expect((error as APIError).requestId).toMatch(/.+/);
  });

  it('NotFoundError for an unknown task and for an unknown endpoint', async () => {
    const task = await rejection(ctx.env.client().getTask('unknownTaskId000000000'));
    expect(task).toBeInstanceOf(NotFoundError);
    expect(task).toMatchObject({ status: 404, code: 'TASK_NOT_FOUND' });
    const endpoint = await rejection(ctx.env.client({ endpointPath: 'no-such-endpoint' }).generate({ prompt: 'x' }));
    expect(endpoint).toBeInstanceOf(NotFoundError);
  });

  it('InvalidRequestError names the offending fields, and no task is created', async () => {
    const client = ctx.env.client();
    const before = (await client.listTasksPage({ limit: 100 })).tasks.length;
    // Wrong on purpose: the types forbid these, as a caller without TypeScript might send them.
    const body = { prompt: 'x', settings: { duration: 3 }, aspect_ratio: '1:1' } as unknown as GenerateRequestInput;
    const error = await rejection(client.generate(body));
    expect(error).toBeInstanceOf(InvalidRequestError);
    expect(error).toMatchObject({ status: 400, code: 'INVALID_PARAMETER' });
    expect((error as InvalidRequestError).fields.sort()).toEqual(['aspect_ratio', 'settings.duration']);
    expect((await client.listTasksPage({ limit: 100 })).tasks.length).toBe(before);
  });

  it('ConflictError when an Idempotency-Key is reused with another body', async () => {
    const client = ctx.env.client();
    await client.generate({ prompt: 'one' }, { idempotencyKey: 'errors-conflict' });
    const error = await rejection(client.generate({ prompt: 'two' }, { idempotencyKey: 'errors-conflict' }));
    expect(error).toBeInstanceOf(ConflictError);
    expect(error).toMatchObject({ status: 409, code: 'IDEMPOTENCY_CONFLICT' });
  });

  it('RateLimitError carries the Retry-After time once retries are used up', async () => {
    ctx.proxy.inject({
      method: 'GET',
      times: 2,
      fault: {
        kind: 'respond',
        status: 429,
        headers: { 'retry-after': '0' },
        body: { error: { code: 'RATE_LIMITED', message: 'slow down', requestId: 'req-429' } },
      },
    });
    ctx.proxy.inject({
      method: 'GET',
      fault: {
        kind: 'respond',
        status: 429,
        headers: { 'retry-after': '7' },
        body: { error: { code: 'RATE_LIMITED', message: 'slow down', requestId: 'req-429' } },
      },
    });
    const client = ctx.env.client({ baseUrl: ctx.proxy.basePath, maxRetries: 1 });
    const quick = await rejection(client.listTasksPage());
    expect(quick).toBeInstanceOf(RateLimitError);
    expect(quick).toMatchObject({ status: 429, code: 'RATE_LIMITED', retryAfterMs: 0, requestId: 'req-429' });
    // A Retry-After beyond maxRetryAfterMs is not slept through: the caller decides.
    const long = await rejection(
      ctx.env.client({ baseUrl: ctx.proxy.basePath, maxRetryAfterMs: 1000 }).listTasksPage(),
    );
    expect(long).toMatchObject({ name: 'RateLimitError', retryAfterMs: 7000 });
  });

  it('ServerError for 5xx after retries, even with a non-JSON body', async () => {
    ctx.proxy.inject({
      method: 'GET',
      times: 3,
      fault: { kind: 'respond', status: 502, body: '<html>bad gateway</html>' },
    });
    const error = await rejection(ctx.env.client({ baseUrl: ctx.proxy.basePath, maxRetries: 2 }).listTasksPage());
    expect(error).toBeInstanceOf(ServerError);
    expect(error).toMatchObject({ status: 502, code: 'INTERNAL_ERROR' });
    expect(ctx.proxy.seen.map((r) => r.fault)).toEqual(['respond', 'respond', 'respond']);
  });

  it('ConnectionError when nothing listens, after the retries', async () => {
    const closed = await startFaultProxy(ctx.env.server.url);
    await closed.close();
    const error = await rejection(ctx.env.client({ baseUrl: closed.basePath, maxRetries: 1 }).listTasksPage());
    expect(error).toBeInstanceOf(ConnectionError);
    expect(error).toMatchObject({ status: undefined, code: 'CONNECTION_ERROR' });
    expect((error as Error).message).toMatch(/ECONNREFUSED/);
    // Names the server it tried, without the path or the key.
    expect((error as Error).message).toContain(`Cannot reach ${new URL(closed.basePath).origin}: `);
  });

  it('TaskFailedError, TimeoutError and MediaUnavailableError from the waiting and download paths', async () => {
    const client = ctx.env.client();
    const failed = await rejection(
      client.generateAndWait({ prompt: 'test: failAttempts=9 retryable=false' }, FAST_POLL),
    );
    expect(failed).toBeInstanceOf(TaskFailedError);

    const { taskId } = await client.generate({ prompt: slowPrompt(40, 100) });
    const timeout = await rejection(client.waitForTask(taskId, { ...FAST_POLL, timeoutMs: 150 }));
    expect(timeout).toBeInstanceOf(TimeoutError);
    expect(timeout).toMatchObject({ code: 'WAIT_TIMEOUT', taskId });

    const notReady = await rejection(client.openMedia(taskId));
    expect(notReady).toBeInstanceOf(MediaUnavailableError);
    expect(notReady).toMatchObject({ code: 'MEDIA_NOT_READY' });
    await client.cancelTask(taskId);
  });

  it('rejects bad client options at construction', () => {
    const ok = { baseUrl: 'http://localhost:8080/v1/ai', endpointPath: 'abcd', accessKey: 'k' };
    expect(() => new Vidforge({ ...ok, baseUrl: 'localhost:8080' })).toThrow(TypeError);
    expect(() => new Vidforge({ ...ok, baseUrl: 'ftp://host/v1/ai' })).toThrow(/http or https/);
    expect(() => new Vidforge({ ...ok, accessKey: '' })).toThrow(/accessKey/);
    // The key stays out of anything that prints the client.
    expect(JSON.stringify(new Vidforge({ ...ok, accessKey: 'secret-key-123' }))).not.toContain('secret-key-123');
  });

  it('reads settings left out of the options from VIDFORGE_BASE_URL, VIDFORGE_ENDPOINT and VIDFORGE_ACCESS_KEY', () => {
    const saved = { ...process.env };
    try {
      delete process.env.VIDFORGE_BASE_URL;
      delete process.env.VIDFORGE_ENDPOINT;
      delete process.env.VIDFORGE_ACCESS_KEY;
      expect(() => new Vidforge()).toThrow(/baseUrl is required \(pass it, or set VIDFORGE_BASE_URL\)/);
      process.env.VIDFORGE_BASE_URL = 'http://localhost:8080/v1/ai/';
      process.env.VIDFORGE_ENDPOINT = 'fromenv1';
      expect(() => new Vidforge()).toThrow(/VIDFORGE_ACCESS_KEY/);
      process.env.VIDFORGE_ACCESS_KEY = 'k';
      expect(new Vidforge()).toMatchObject({ baseUrl: 'http://localhost:8080/v1/ai', endpointPath: 'fromenv1' });
      // Options win over the environment.
      expect(new Vidforge({ endpointPath: 'given123' }).endpointPath).toBe('given123');
    } finally {
      process.env = saved;
    }
  });
});
