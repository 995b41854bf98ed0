/**
 * Admission control: past the per-engine queue cap a submit is refused at once with 503 QUEUE_FULL
 * and Retry-After, and creates nothing; other engines are not affected.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../support/index.ts';

let server: TestServer;

beforeAll(async () => {
  // No workers: every accepted task stays PENDING.
  server = await startTestServer({ env: { VIDFORGE_WORKERS: '0', VIDFORGE_MAX_PENDING_PER_ENGINE: '5' } });
});
afterAll(() => server?.stop());

it('refuses the submit past the cap with 503 QUEUE_FULL and Retry-After, and writes no task', async () => {
  const answers = await Promise.all(
    Array.from({ length: 12 }, (_, i) => server.call('POST', '/video/generate', { prompt: `test: n=${i}` })),
  );
  expect(answers.filter((a) => a.status === 200)).toHaveLength(5);
  const refused = answers.filter((a) => a.status !== 200);
  expect(refused).toHaveLength(7);
  for (const answer of refused) {
    expect(answer.status).toBe(503);
    expect(answer.body.error.code).toBe('QUEUE_FULL');
    expect(Number(answer.headers.get('retry-after'))).toBeGreaterThan(0);
  }
  const list = await server.call('GET', '/video/tasks?limit=100');
  expect(list.body.tasks).toHaveLength(5);

  // The preview engine has a queue of its own.
  const preview = await server.call('POST', `${server.basePath}/${server.previewEndpointPath}/video/generate`, {
    prompt: 'a sunset',
  });
  expect(preview.status).toBe(200);
});
