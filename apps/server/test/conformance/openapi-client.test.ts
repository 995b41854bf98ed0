/**
 * A client generated from the committed OpenAPI document by independent tools (openapi-typescript
 * for the types, openapi-fetch for the calls), used against a running server: if the document
 * said something the server does not do, or could not be read by a generator, this fails. The
 * generated types are committed (generated/openapi.ts) so `tsc` checks this file against them;
 * the first test fails when they drift from the document (`npm run openapi` regenerates both).
 */
import { readFile } from 'node:fs/promises';
import createClient from 'openapi-fetch';
import openapiTS, { astToString, COMMENT_HEADER } from 'openapi-typescript';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addRunner, startTestServer, type TestServer } from '../support/index.ts';
import type { components, paths } from './generated/openapi.ts';

const DOCUMENT = new URL('../../../../openapi/openapi.json', import.meta.url);
const GENERATED = new URL('./generated/openapi.ts', import.meta.url);

type Task = components['schemas']['Task'];

let server: TestServer;
let client: ReturnType<typeof createClient<paths>>;
beforeAll(async () => {
  server = await startTestServer();
  client = createClient<paths>({ baseUrl: server.url, headers: { authorization: `Bearer ${server.key}` } });
});
afterAll(async () => {
  await server?.stop();
});

it('the committed client types are what openapi-typescript makes of the committed document', async () => {
  // Fields with a default are optional in requests: the document is in its input form.
  const generated = COMMENT_HEADER + astToString(await openapiTS(DOCUMENT, { defaultNonNullable: false }));
  expect(generated === (await readFile(GENERATED, 'utf8')), 'run `npm run openapi` and commit the result').toBe(true);
});

describe('the generated client against a running server', () => {
  const endpoint = () => ({ endpointPath: server.endpointPath });

  it('creates a task, polls it to SUCCESS, finds it in the list and downloads its video', async () => {
    const submitted = await client.POST('/v1/ai/{endpointPath}/video/generate', {
      params: { path: endpoint(), header: { 'Idempotency-Key': `generated-${Date.now()}` } },
      body: { prompt: 'a lighthouse at dusk', settings: { duration: 2, aspectRatio: '1:1' } },
    });
    expect(submitted.response.status).toBe(200);
    const taskId = submitted.data!.taskId;

    let task: Task | undefined;
    const deadline = Date.now() + 20_000;
    while (Date.now() < deadline) {
      const polled = await client.GET('/v1/ai/{endpointPath}/video/tasks/{taskId}', {
        params: { path: { ...endpoint(), taskId } },
      });
      expect(polled.error).toBeUndefined();
      task = polled.data!;
      if (task.status === 'SUCCESS' || task.status === 'FAIL') break;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(task).toMatchObject({ taskId, type: 'generate', status: 'SUCCESS', progress: 1, error: null });
    expect(task!.video).toMatchObject({ width: expect.any(Number), durationSeconds: expect.any(Number) });

    const listed = await client.GET('/v1/ai/{endpointPath}/video/tasks', {
      params: { path: endpoint(), query: { status: 'SUCCESS', limit: '5' } },
    });
    expect(listed.data!.tasks.map((t) => t.taskId)).toContain(taskId);
    expect(listed.data!.tasks.every((t) => t.status === 'SUCCESS')).toBe(true);

    // The signed media URL: the operation /v1/media/{file} with its query, no key.
    const media = new URL(task!.mediaUrl!);
    const file = media.pathname.split('/').pop()!;
    const download = await createClient<paths>({ baseUrl: server.url }).GET('/v1/media/{file}', {
      params: {
        path: { file },
        query: {
          exp: media.searchParams.get('exp')!,
          kid: media.searchParams.get('kid')!,
          sig: media.searchParams.get('sig')!,
        },
        header: { Range: 'bytes=0-7' },
      },
      parseAs: 'arrayBuffer',
    });
    expect(download.response.status).toBe(206);
    expect(download.response.headers.get('content-type')).toBe('video/mp4');
    expect(download.response.headers.get('content-range')).toMatch(/^bytes 0-7\/[0-9]+$/);
    expect(download.data!.byteLength).toBe(8);

    // The same task through the OpenAI-compatible operations.
    const video = await client.GET('/v1/videos/{video_id}', { params: { path: { video_id: taskId } } });
    expect(video.data).toMatchObject({ id: taskId, object: 'video', status: 'completed', progress: 100 });
  });

  it('gets typed errors: 404 TASK_NOT_FOUND, 400 INVALID_PARAMETER with details, OpenAI-shaped 404', async () => {
    const missing = await client.GET('/v1/ai/{endpointPath}/video/tasks/{taskId}', {
      params: { path: { ...endpoint(), taskId: 'AAAAAAAAAAAAAAAAAAAAAA' } },
    });
    expect(missing.response.status).toBe(404);
    expect(missing.error!.error.code).toBe('TASK_NOT_FOUND');

    const invalid = await client.POST('/v1/ai/{endpointPath}/video/generate', {
      params: { path: endpoint() },
      // @ts-expect-error the generated types know duration is 2, 4 or 8: the server says so too
      body: { prompt: 'x', settings: { duration: 3 } },
    });
    expect(invalid.response.status).toBe(400);
    expect(invalid.error!.error).toMatchObject({
      code: 'INVALID_PARAMETER',
      details: [{ path: 'settings.duration', message: 'must be one of 2, 4, 8' }],
    });

    const gone = await client.GET('/v1/videos/{video_id}', { params: { path: { video_id: 'no-such-video' } } });
    expect(gone.response.status).toBe(404);
    expect(gone.error!.error).toMatchObject({ type: 'invalid_request_error', param: 'video_id' });
  });

  it('speaks the runner protocol: a claim states the protocol version', async () => {
    const { token } = await addRunner(server, { engines: ['preview'] });
    const runner = createClient<paths>({ baseUrl: server.url, headers: { authorization: `Bearer ${token}` } });
    const claim = await runner.POST('/v1/runner/claim', { body: { waitMs: 0 } });
    expect(claim.data).toEqual({ protocolVersion: 1, task: null });

    const models = await client.GET('/v1/models');
    expect(models.data!.object).toBe('list');
  });
});
