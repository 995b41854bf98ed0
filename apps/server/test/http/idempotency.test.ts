/** Idempotency-Key: same key and body → same task; other body → 409; concurrent duplicates → one task. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../support/index.ts';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({ env: { VIDFORGE_WORKERS: '0' } });
});
afterAll(() => server.stop());

const submit = (body: unknown, key: string) => server.call('POST', '/video/generate', body, { 'idempotency-key': key });

describe('Idempotency-Key', () => {
  it('returns the same taskId for the same body, even in another key order', async () => {
    const first = await submit({ prompt: 'same', settings: { seed: 1, duration: 4 } }, 'k-1');
    const again = await submit({ settings: { duration: 4, seed: 1 }, prompt: 'same' }, 'k-1');
    expect(first.status).toBe(200);
    expect(again.body.taskId).toBe(first.body.taskId);
  });

  it('replays a random seed (-1): the fingerprint is of the body as sent, not of the seed drawn', async () => {
    const body = { prompt: 'random', settings: { seed: -1, duration: 4 } };
    const first = await submit(body, 'k-seed');
    const again = await submit(body, 'k-seed');
    expect(first.status).toBe(200);
    expect(again.status).toBe(200);
    expect(again.body.taskId).toBe(first.body.taskId);
  });

  it('answers 409 for the same key with another body', async () => {
    await submit({ prompt: 'one' }, 'k-2');
    const other = await submit({ prompt: 'two' }, 'k-2');
    expect(other.status).toBe(409);
    expect(other.body.error.code).toBe('IDEMPOTENCY_CONFLICT');
  });

  it('keys are per operation body: the same key on another operation conflicts', async () => {
    await submit({ prompt: 'x' }, 'k-3');
    const upscale = await server.call(
      'POST',
      '/video/upscale',
      { config: { sourceVideo: 'https://a.example/v.mp4' } },
      { 'idempotency-key': 'k-3' },
    );
    expect(upscale.status).toBe(409);
  });

  it('creates one task for many concurrent duplicates', async () => {
    const results = await Promise.all(Array.from({ length: 20 }, () => submit({ prompt: 'race' }, 'k-race')));
    expect(results.every((r) => r.status === 200)).toBe(true);
    expect(new Set(results.map((r) => r.body.taskId)).size).toBe(1);
    const list = await server.call('GET', '/video/tasks?limit=100');
    expect(list.body.tasks.filter((t: { taskId: string }) => t.taskId === results[0]!.body.taskId)).toHaveLength(1);
  });

  it('without the header, each submit is a new task', async () => {
    const a = await server.call('POST', '/video/generate', { prompt: 'no key' });
    const b = await server.call('POST', '/video/generate', { prompt: 'no key' });
    expect(a.body.taskId).not.toBe(b.body.taskId);
  });

  it('rejects an unusable key', async () => {
    const response = await submit({ prompt: 'x' }, 'x'.repeat(300));
    expect(response.status).toBe(400);
    expect(response.body.error.details[0].path).toBe('Idempotency-Key');
  });
});
