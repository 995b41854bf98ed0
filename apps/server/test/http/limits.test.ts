/**
 * Per-key limits through the HTTP API on SQLite (docs/limits.md): separate submit and poll budgets
 * with the draft's RateLimit-Policy and RateLimit fields, 429 RATE_LIMITED with Retry-After and no
 * task past a budget, other keys untouched; and the concurrency limit under 50 concurrent submits.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openAdmin } from '../../src/admin/index.ts';
import { startTestServer, type TestServer } from '../support/index.ts';
import { readResponse } from '../support/server.ts';

/** A clock that stands still 1 s into an hour (until a test moves it), so the headers' `t` is exact. */
function frozenClock() {
  let now = Math.ceil(Date.now() / 3_600_000) * 3_600_000 + 1000;
  return {
    now: () => now,
    advance(ms: number) {
      now += ms;
    },
  };
}

/** A second key on both endpoints, with limits of its own, made as an operator would (another process's write). */
async function addKey(
  server: TestServer,
  limits: Parameters<Awaited<ReturnType<typeof openAdmin>>['admin']['createKey']>[0]['limits'],
) {
  const key = `other_${randomBytes(24).toString('base64url')}`;
  const handle = await openAdmin(server.config);
  await handle.admin.createKey({ key, endpoints: [server.endpointPath, server.previewEndpointPath], limits });
  await handle.close();
  return key;
}

const as = (server: TestServer, key: string) => (method: string, path: string, body?: unknown) =>
  server.call(method, path, body, { authorization: `Bearer ${key}` });

describe('rate limits', () => {
  let server: TestServer;
  const clock = frozenClock();
  let unlimitedKey: string;

  beforeAll(async () => {
    server = await startTestServer({
      clock,
      env: {
        VIDFORGE_WORKERS: '0',
        VIDFORGE_KEY_RATE: '3/min',
        VIDFORGE_KEY_POLL_RATE: '5/min',
        VIDFORGE_CORS_ORIGINS: 'https://app.example.com',
      },
    });
    unlimitedKey = await addKey(server, {
      rate: { count: 0, windowSeconds: 1 },
      pollRate: { count: 0, windowSeconds: 1 },
    });
  });
  afterAll(() => server?.stop());

  it('limits a burst of polls from one key with the draft headers, while another key is not limited', async () => {
    const answers = [];
    for (let i = 0; i < 7; i++) answers.push(await server.call('GET', '/video/tasks'));
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200, 200, 200, 429, 429]);
    for (const answer of answers) expect(answer.headers.get('ratelimit-policy')).toBe('"poll";q=5;w=60');
    expect(answers.map((a) => a.headers.get('ratelimit'))).toEqual([
      '"poll";r=4;t=59',
      '"poll";r=3;t=59',
      '"poll";r=2;t=59',
      '"poll";r=1;t=59',
      '"poll";r=0;t=59',
      '"poll";r=0;t=59',
      '"poll";r=0;t=59',
    ]);
    const refused = answers[5]!;
    expect(refused.body.error.code).toBe('RATE_LIMITED');
    expect(refused.headers.get('retry-after')).toBe('59');
    expect(refused.headers.get('content-type')).toMatch(/application\/json/);

    const other = as(server, unlimitedKey);
    for (let i = 0; i < 10; i++) {
      const answer = await other('GET', '/video/tasks');
      expect(answer.status).toBe(200);
      // Unlimited: no quota to advertise.
      expect(answer.headers.get('ratelimit')).toBeNull();
    }
    // The OpenAI-compatible surface spends the same budget, in its own error shape.
    const openai = await server.call('GET', `${server.url}/v1/models`);
    expect(openai.status).toBe(429);
    expect(openai.body.error.type).toBe('rate_limit_error');
    expect(openai.headers.get('retry-after')).toBe('59');
  });

  it('gives submits a budget of their own: past it 429 and no task, until the next window', async () => {
    const submit = (i: number) => server.call('POST', '/video/generate', { prompt: `test: n=${i}` });
    const answers = [];
    for (let i = 0; i < 5; i++) answers.push(await submit(i));
    // The exhausted poll budget did not touch the submit budget.
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200, 429, 429]);
    expect(answers[0]!.headers.get('ratelimit-policy')).toBe('"submit";q=3;w=60');
    expect(answers[2]!.headers.get('ratelimit')).toBe('"submit";r=0;t=59');
    expect(answers[3]!.body.error.code).toBe('RATE_LIMITED');
    const listed = await as(server, unlimitedKey)('GET', '/video/tasks?limit=100');
    expect(listed.body.tasks).toHaveLength(3);
    // An upload spends the same budget: refused before a byte of it is read.
    const upload = await fetch(`${server.basePath}/${server.endpointPath}/uploads`, {
      method: 'POST',
      headers: { authorization: `Bearer ${server.key}`, 'content-type': 'application/octet-stream' },
      body: new Uint8Array(64),
    });
    expect(upload.status).toBe(429);
    expect(((await upload.json()) as { error: { code: string } }).error.code).toBe('RATE_LIMITED');

    clock.advance(60_000);
    expect((await submit(5)).status).toBe(200);
    expect((await server.call('GET', '/video/tasks')).headers.get('ratelimit')).toBe('"poll";r=4;t=59');
  });

  it('lets a browser page on an allowed origin read the limits of a refused request', async () => {
    const fromPage = () => server.call('GET', '/video/tasks', undefined, { origin: 'https://app.example.com' });
    let answer = await fromPage();
    for (let i = 0; i < 10 && answer.status === 200; i++) answer = await fromPage();
    expect(answer.status).toBe(429);
    const exposed = (answer.headers.get('access-control-expose-headers') ?? '').split(/,\s*/);
    expect(exposed).toEqual(expect.arrayContaining(['RateLimit', 'RateLimit-Policy', 'Retry-After']));
    expect(answer.headers.get('ratelimit')).toMatch(/^"poll";r=0;t=\d+$/);
  });

  it('refuses a malformed or unauthenticated request as before, spending nothing of any budget', async () => {
    const response = await fetch(`${server.basePath}/${server.endpointPath}/video/tasks`, {
      headers: { authorization: 'Bearer nope-nope-nope-nope' },
    });
    const answer = await readResponse(response);
    expect(answer.status).toBe(401);
    expect(answer.headers.get('ratelimit')).toBeNull();
  });
});

describe('concurrency limit', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ env: { VIDFORGE_WORKERS: '0', VIDFORGE_KEY_CONCURRENCY: '4' } });
  });
  afterAll(() => server?.stop());

  it('holds under 50 concurrent submits from one key: 4 tasks, 46 × 429 CONCURRENCY_LIMITED', async () => {
    const answers = await Promise.all(
      Array.from({ length: 50 }, (_, i) => server.call('POST', '/video/generate', { prompt: `test: n=${i}` })),
    );
    const created = answers.filter((a) => a.status === 200);
    expect(created).toHaveLength(4);
    const refused = answers.filter((a) => a.status !== 200);
    expect(refused).toHaveLength(46);
    for (const answer of refused) {
      expect(answer.status).toBe(429);
      expect(answer.body.error.code).toBe('CONCURRENCY_LIMITED');
      expect(Number(answer.headers.get('retry-after'))).toBeGreaterThan(0);
    }
    expect((await server.call('GET', '/video/tasks?limit=100')).body.tasks).toHaveLength(4);

    // A finished (here: cancelled) task frees its place.
    expect((await server.call('DELETE', `/video/tasks/${created[0]!.body.taskId}`)).status).toBe(200);
    expect((await server.call('POST', '/video/generate', { prompt: 'test: again' })).status).toBe(200);
    expect((await server.call('POST', '/video/generate', { prompt: 'test: over' })).status).toBe(429);

    // A key of its own limit (0: unlimited) is not held by the default.
    const other = as(server, await addKey(server, { concurrency: 0 }));
    for (let i = 0; i < 6; i++)
      expect((await other('POST', '/video/generate', { prompt: `test: o=${i}` })).status).toBe(200);
  });
});
