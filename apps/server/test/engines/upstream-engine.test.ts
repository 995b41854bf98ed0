/**
 * The upstream engine against a scripted seed-API server on loopback: what it does with the
 * answers a real Vidforge never gives on cue (429 with Retry-After, 5xx mid-poll, a result URL on
 * another host, a redirect away), and what it checkpoints. The two-server tests are in
 * upstream.e2e.test.ts and test/process/upstream-restart.test.ts.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { EngineContext, EngineTask } from '../../src/engines/engine.ts';
import { createUpstreamEngine, idempotencyKeyOf } from '../../src/engines/upstream/upstream-engine.ts';
import { parseAllowlist } from '../../src/modules/media/fetch-allowlist.ts';
import { checkFfmpeg } from '../../src/modules/media/ffmpeg-check.ts';
import { parseMediaConfig } from '../../src/modules/media/media.config.ts';
import { tempDir } from '../support/temp-dir.ts';

type Handler = (req: IncomingMessage, res: ServerResponse, body: string) => void;

/** A loopback HTTP server whose answers each test scripts; it records every request. */
async function scripted(): Promise<{
  url: string;
  port: number;
  requests: { method: string; url: string; headers: IncomingMessage['headers'] }[];
  handle: (h: Handler) => void;
  close(): Promise<void>;
}> {
  let handler: Handler = (_req, res) => res.writeHead(500).end();
  const requests: { method: string; url: string; headers: IncomingMessage['headers'] }[] = [];
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (d) => {
      body += d;
    });
    req.on('end', () => {
      requests.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers });
      handler(req, res, body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    requests,
    handle: (h) => {
      handler = h;
    },
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

const json = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) =>
  res.writeHead(status, { 'content-type': 'application/json', ...headers }).end(JSON.stringify(body));

const SECRET = 'upstream-credential-abcdefghijkl';
let upstream: Awaited<ReturnType<typeof scripted>>;
let other: Awaited<ReturnType<typeof scripted>>;
let engine: ReturnType<typeof createUpstreamEngine>;
let work: { path: string; remove(): Promise<void> };

beforeAll(async () => {
  const media = parseMediaConfig({});
  engine = createUpstreamEngine({ ffmpeg: await checkFfmpeg(media), media }, { random: () => 0.5 });
  [upstream, other, work] = await Promise.all([scripted(), scripted(), tempDir()]);
  other.handle((_req, res) => res.writeHead(200, { 'content-type': 'video/mp4' }).end(Buffer.alloc(4096, 7)));
});
afterAll(async () => {
  await Promise.all([upstream.close(), other.close(), work.remove()]);
});
afterEach(() => {
  upstream.requests.length = 0;
});

function taskWith(settings: Record<string, unknown> = {}, resumeState: unknown = null): EngineTask {
  return {
    id: 'task1',
    request: { type: 'generate', body: { prompt: 'A boat', settings: { seed: 5, duration: 2, aspectRatio: '16:9' } } },
    seed: 5,
    attempt: 1,
    endpointSettings: {
      kind: 'haiper',
      baseUrl: `${upstream.url}/v1/ai`,
      endpointPath: 'ep01',
      credential: SECRET,
      pollIntervalMs: 10,
      pollMaxIntervalMs: 20,
      ...settings,
    },
    resumeState,
  };
}

function contextFor(checkpoints: unknown[] = []): EngineContext {
  return {
    workDir: work.path,
    signal: new AbortController().signal,
    progress() {},
    source: () => Promise.reject(new Error('no source')),
    async checkpoint(state) {
      checkpoints.push(state);
    },
  };
}

/** A seed-API upstream whose one task is done, with its media at `mediaUrl`. */
function doneAt(mediaUrl: string): Handler {
  return (req, res) => {
    if (req.method === 'POST') return json(res, 200, { taskId: 'u1' });
    if (req.url === '/v1/ai/ep01/video/tasks/u1') return json(res, 200, { status: 'SUCCESS', progress: 1, mediaUrl });
    if (req.url === '/media/away.mp4') return res.writeHead(302, { location: `${other.url}/x.mp4` }).end();
    res.writeHead(404).end();
  };
}

describe('upstream engine: the result download', () => {
  it('refuses a media URL on a host other than the upstream', async () => {
    upstream.handle(doneAt(`${other.url}/x.mp4`));
    await expect(engine.run(taskWith(), contextFor())).rejects.toMatchObject({
      code: 'ENGINE_FAILED',
      retryable: false,
      message: expect.stringMatching(
        /media URL is on 127\.0\.0\.1:\d+, which is neither the host of settings\.baseUrl nor one of settings\.mediaHosts/,
      ),
    });
    expect(other.requests).toHaveLength(0);
  });

  it('refuses a redirect from the upstream to another host, even one the server may fetch from', async () => {
    upstream.handle(doneAt(`${upstream.url}/media/away.mp4`));
    const media = parseMediaConfig({});
    const lenient = createUpstreamEngine({
      ffmpeg: await checkFfmpeg(media),
      media: { ...media, fetchAllow: parseAllowlist(`127.0.0.1:${other.port}`) },
    });
    await expect(lenient.run(taskWith(), contextFor())).rejects.toMatchObject({
      message: expect.stringMatching(/not one of the hosts this download may use/),
    });
    expect(other.requests).toHaveLength(0);
  });

  it('fetches from a host named in settings.mediaHosts, without the credential, and probes what it got', async () => {
    upstream.handle(doneAt(`${other.url}/x.mp4`));
    await expect(engine.run(taskWith({ mediaHosts: [`127.0.0.1:${other.port}`] }), contextFor())).rejects.toMatchObject(
      {
        code: 'OUTPUT_INVALID',
        message: expect.stringMatching(/^the upstream's result/),
      },
    );
    expect(other.requests).toHaveLength(1);
    expect(other.requests[0]?.headers.authorization).toBeUndefined();
    expect(upstream.requests[0]?.headers.authorization).toBe(`Bearer ${SECRET}`);
  });
});

describe('upstream engine: failures and the retry policy', () => {
  it('a 429 on submit is retryable after the Retry-After', async () => {
    upstream.handle((_req, res) =>
      json(res, 429, { error: { code: 'RATE_LIMITED', message: 'slow down' } }, { 'retry-after': '7' }),
    );
    const checkpoints: unknown[] = [];
    await expect(engine.run(taskWith(), contextFor(checkpoints))).rejects.toMatchObject({
      code: 'ENGINE_UNAVAILABLE',
      retryable: true,
      retryAfterMs: 7000,
      message: expect.stringContaining('submit: HTTP 429 RATE_LIMITED: slow down'),
    });
    expect(checkpoints).toEqual([]);
    expect(upstream.requests[0]?.headers['idempotency-key']).toBe(idempotencyKeyOf('task1', 1));
  });

  it('a 400 on submit fails for good with the upstream message', async () => {
    upstream.handle((_req, res) => json(res, 400, { error: { code: 'INVALID_PARAMETER', message: 'prompt is rude' } }));
    await expect(engine.run(taskWith(), contextFor())).rejects.toMatchObject({
      code: 'ENGINE_FAILED',
      retryable: false,
      message: 'the upstream refused the task (submit: HTTP 400 INVALID_PARAMETER: prompt is rude)',
    });
  });

  it('a 5xx while polling is retried, and the next attempt polls the same upstream task', async () => {
    upstream.handle((req, res) =>
      req.method === 'POST'
        ? json(res, 200, { taskId: 'u1' })
        : json(res, 503, { error: { code: 'SERVICE_UNAVAILABLE' } }, { 'retry-after': '2' }),
    );
    const checkpoints: unknown[] = [];
    await expect(engine.run(taskWith(), contextFor(checkpoints))).rejects.toMatchObject({
      retryable: true,
      retryAfterMs: 2000,
    });
    expect(checkpoints).toEqual([{ v: 1, gen: 1, upstreamId: 'u1' }]);
    upstream.requests.length = 0;
    upstream.handle(doneAt(`${other.url}/x.mp4`));
    await expect(engine.run(taskWith({}, checkpoints.at(-1)), contextFor())).rejects.toMatchObject({
      code: 'ENGINE_FAILED',
    });
    expect(upstream.requests.map((r) => r.method)).toEqual(['GET']);
  });

  it('an upstream task that failed for a passing reason is submitted anew under the next key', async () => {
    upstream.handle((req, res) =>
      req.method === 'POST'
        ? json(res, 200, { taskId: 'u1' })
        : json(res, 200, { status: 'FAIL', progress: 0.5, error: { code: 'ENGINE_FAILED', message: 'GPU fell over' } }),
    );
    const checkpoints: unknown[] = [];
    await expect(engine.run(taskWith(), contextFor(checkpoints))).rejects.toMatchObject({
      code: 'ENGINE_FAILED',
      retryable: true,
      message: 'the upstream task u1 failed (ENGINE_FAILED): GPU fell over',
    });
    expect(checkpoints.at(-1)).toEqual({ v: 1, gen: 2 });
    upstream.requests.length = 0;
    await expect(engine.run(taskWith({}, checkpoints.at(-1)), contextFor())).rejects.toThrow();
    expect(upstream.requests[0]?.headers['idempotency-key']).toBe(idempotencyKeyOf('task1', 2));
  });

  it('a source error of the upstream task fails for good with its code', async () => {
    upstream.handle((req, res) =>
      req.method === 'POST'
        ? json(res, 200, { taskId: 'u1' })
        : json(res, 200, { status: 'FAIL', progress: 0, error: { code: 'SOURCE_INVALID', message: 'not a picture' } }),
    );
    await expect(engine.run(taskWith(), contextFor())).rejects.toMatchObject({
      code: 'SOURCE_INVALID',
      retryable: false,
    });
  });

  it('an unreachable upstream is retryable', async () => {
    const closed = await scripted();
    await closed.close();
    await expect(engine.run(taskWith({ baseUrl: `${closed.url}/v1/ai` }), contextFor())).rejects.toMatchObject({
      code: 'ENGINE_UNAVAILABLE',
      retryable: true,
      message: expect.stringMatching(/the upstream is unreachable \(submit: ECONNREFUSED\)/),
    });
  });
});
