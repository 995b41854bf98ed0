/**
 * Paging and every error path of the OpenAI-compatible API: through the official client where it
 * can send the request, by hand for hostile bodies it would never send. Uses the fast test engine
 * (and a small image limit) so nothing waits on ffmpeg.
 */
import { readFile } from 'node:fs/promises';
import OpenAI, { toFile } from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Fixtures, makeFixtures } from '../media/fixtures.ts';
import { startTestServer, type TestServer } from '../support/index.ts';
import { readResponse } from '../support/server.ts';
import { waitFor } from './openai-support.ts';

const IMAGE_MAX_BYTES = 200_000;
let server: TestServer;
let client: OpenAI;
let fixtures: Fixtures;

beforeAll(async () => {
  [server, fixtures] = await Promise.all([
    startTestServer({ env: { VIDFORGE_IMAGE_MAX_BYTES: String(IMAGE_MAX_BYTES) } }),
    makeFixtures(),
  ]);
  client = new OpenAI({ baseURL: `${server.url}/v1`, apiKey: server.key, maxRetries: 0 });
});

afterAll(async () => {
  await server?.stop();
  await fixtures?.remove();
});

/** A PNG cut inside its header, before the picture size. */
const truncated = (bytes: Buffer) => bytes.subarray(0, 20);

const seconds2 = { seconds: '2' } as unknown as Pick<OpenAI.Videos.VideoCreateParams, 'seconds'>;

/** The OpenAI error the client raised, as status and body. */
async function failure(promise: Promise<unknown>): Promise<{ status: number; error: Record<string, unknown> }> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof OpenAI.APIError) return { status: error.status as number, error: error.error as never };
    throw error;
  }
  throw new Error('expected the request to fail');
}

/** A raw request to /v1 with the key. */
async function raw(path: string, init: RequestInit & { headers?: Record<string, string> } = {}) {
  const response = await fetch(`${server.url}/v1${path}`, {
    ...init,
    headers: { authorization: `Bearer ${server.key}`, ...init.headers },
  });
  return readResponse(response);
}

const expectShape = (body: { error: Record<string, unknown> }) =>
  expect(Object.keys(body.error).sort()).toEqual(['code', 'message', 'param', 'type']);

describe('listing', () => {
  it('pages with after, limit and order, each video exactly once', async () => {
    const made: string[] = [];
    for (let i = 0; i < 5; i++) {
      made.push((await client.videos.create({ model: 'test', prompt: `video ${i}`, ...seconds2 })).id);
    }
    await Promise.all(made.map((id) => waitFor(client, id)));
    const asc: string[] = [];
    for await (const video of client.videos.list({ limit: 2, order: 'asc' })) asc.push(video.id);
    expect(asc.filter((id) => made.includes(id))).toEqual(made);
    const page = await client.videos.list({ limit: 2 });
    expect(page.data).toHaveLength(2);
    expect(page.has_more).toBe(true);
    expect(page.data[0]!.id).toBe(made.at(-1));
    const next = await client.videos.list({ limit: 2, after: page.data[1]!.id });
    expect(next.data.map((v) => v.id)).toEqual([made[2], made[1]]);
    const body = (await raw(`/videos?limit=2&after=${page.data[1]!.id}`)).body;
    expect(body).toMatchObject({ object: 'list', first_id: made[2], last_id: made[1], has_more: true });
  });

  it('rejects bad paging parameters', async () => {
    for (const query of ['limit=0', 'limit=101', 'limit=abc', 'order=up', 'after=nosuchvideo000000000', 'colour=red']) {
      const { status, body } = await raw(`/videos?${query}`);
      expect(status, query).toBe(400);
      expectShape(body);
    }
  });
});

describe('errors through the client', () => {
  it('wrong key: 401 AuthenticationError', async () => {
    const stranger = new OpenAI({ baseURL: `${server.url}/v1`, apiKey: 'vf_not-a-key', maxRetries: 0 });
    await expect(stranger.videos.list()).rejects.toBeInstanceOf(OpenAI.AuthenticationError);
    const { status, error } = await failure(stranger.models.list());
    expect(status).toBe(401);
    expect(error).toMatchObject({ type: 'invalid_request_error', code: 'invalid_api_key', param: null });
  });

  it('unknown id: 404 NotFoundError on every route', async () => {
    const id = 'AAAAAAAAAAAAAAAAAAAAAA';
    await expect(client.videos.retrieve(id)).rejects.toBeInstanceOf(OpenAI.NotFoundError);
    await expect(client.videos.delete(id)).rejects.toBeInstanceOf(OpenAI.NotFoundError);
    await expect(client.videos.downloadContent(id)).rejects.toBeInstanceOf(OpenAI.NotFoundError);
    await expect(client.videos.remix(id, { prompt: 'x' })).rejects.toBeInstanceOf(OpenAI.NotFoundError);
    const { error } = await failure(client.videos.retrieve('../../etc/passwd'));
    expect(error).toMatchObject({ code: 'video_not_found' });
  });

  it('model: required with several, unknown named with the list', async () => {
    let { status, error } = await failure(client.videos.create({ prompt: 'x', ...seconds2 }));
    expect([status, error.param, error.code]).toEqual([400, 'model', 'missing_required_parameter']);
    ({ status, error } = await failure(client.videos.create({ prompt: 'x', model: 'sora-2' })));
    expect([status, error.param, error.code]).toEqual([400, 'model', 'model_not_found']);
    expect(error.message).toContain('preview');
  });

  it('a size or length the engine cannot make is refused, naming what it can', async () => {
    let { status, error } = await failure(client.videos.create({ prompt: 'x', model: 'test', size: '1792x1024' }));
    expect([status, error.param, error.code]).toEqual([400, 'size', 'unsupported_size']);
    expect(error.message).toContain('1280x720');
    ({ status, error } = await failure(client.videos.create({ prompt: 'x', model: 'test', seconds: '12' })));
    expect([status, error.param, error.code]).toEqual([400, 'seconds', 'unsupported_seconds']);
    ({ error } = await failure(client.videos.create({ prompt: 'x', model: 'test', size: 'big' as never })));
    expect(error.param).toBe('size');
  });

  it('uploads are checked like fetched sources: oversized, not an image, truncated', async () => {
    const big = Buffer.alloc(IMAGE_MAX_BYTES + 10, 0);
    (await readFile(fixtures.png)).copy(big);
    const cases: [Buffer, number, string][] = [
      [big, 413, 'source_too_large'],
      [Buffer.from('just some text, not a picture\n'.repeat(8)), 400, 'source_unsupported'],
      [truncated(await readFile(fixtures.png)), 400, 'source_invalid'],
      [await readFile(fixtures.mp4), 400, 'source_unsupported'],
    ];
    for (const [bytes, expected, code] of cases) {
      const file = await toFile(bytes, 'reference.png', { type: 'image/png' });
      const { status, error } = await failure(
        client.videos.create({ prompt: 'x', model: 'test', input_reference: file, ...seconds2 }),
      );
      expect([status, error.code, error.param]).toEqual([expected, code, 'input_reference']);
    }
  });

  it('remix and extension need a completed video; extension lengths are the engine’s', async () => {
    const running = await client.videos.create({ model: 'test', prompt: 'test: steps=40 stepMs=50', ...seconds2 });
    let { status, error } = await failure(client.videos.remix(running.id, { prompt: 'y' }));
    expect([status, error.code]).toEqual([409, 'video_not_completed']);
    ({ status, error } = await failure(client.videos.extend({ video: { id: running.id }, prompt: 'y', seconds: '4' })));
    expect([status, error.code]).toEqual([409, 'video_not_completed']);
    await client.videos.delete(running.id);
    const done = await client.videos.create({ model: 'test', prompt: 'done', ...seconds2 });
    await waitFor(client, done.id);
    ({ status, error } = await failure(client.videos.extend({ video: { id: done.id }, prompt: 'y', seconds: '8' })));
    expect([status, error.param, error.code]).toEqual([400, 'seconds', 'unsupported_seconds']);
    ({ status, error } = await failure(client.videos.downloadContent(running.id)));
    expect(status).toBe(404);
  });
});

describe('hostile bodies, by hand', () => {
  const form = (...entries: [string, string | Blob, string?][]) => {
    const body = new FormData();
    for (const [name, value, filename] of entries) {
      if (typeof value === 'string') body.append(name, value);
      else body.append(name, value, filename);
    }
    return body;
  };
  const post = (body: BodyInit, headers: Record<string, string> = {}) =>
    raw('/videos', { method: 'POST', body, headers });

  it('answers each with an OpenAI error, and the server stays up', async () => {
    const png = new Blob([new Uint8Array(await readFile(fixtures.png))], { type: 'image/png' });
    const cases: [string, Promise<Awaited<ReturnType<typeof raw>>>, number][] = [
      ['unknown field', post(form(['prompt', 'x'], ['model', 'test'], ['aspect_ratio', '1:1'])), 400],
      ['field twice', post(form(['prompt', 'x'], ['prompt', 'y'], ['model', 'test'])), 400],
      ['__proto__ field', post(form(['prompt', 'x'], ['__proto__', 'y'])), 400],
      ['bad field name', post(form(['prompt', 'x'], ['a[b][c]', 'y'])), 400],
      ['file in another field', post(form(['prompt', 'x'], ['model', 'test'], ['seed', png, 'a.png'])), 400],
      [
        'two files',
        post(form(['prompt', 'x'], ['input_reference', png, 'a.png'], ['input_reference', png, 'b.png'])),
        413,
      ],
      [
        'many parts',
        post(form(['prompt', 'x'], ...Array.from({ length: 40 }, (_, i): [string, string] => [`f${i}`, 'v']))),
        413,
      ],
      ['field too long', post(form(['prompt', 'x'.repeat(70_000)])), 413],
      ['prompt too long', post(form(['prompt', 'x'.repeat(2001)], ['model', 'test'])), 400],
      [
        'truncated form',
        post('--b\r\ncontent-disposition: form-data; name="prompt"\r\n\r\nx', {
          'content-type': 'multipart/form-data; boundary=b',
        }),
        400,
      ],
      ['no boundary', post('prompt=x', { 'content-type': 'multipart/form-data' }), 400],
      ['text/plain', post('hello', { 'content-type': 'text/plain' }), 415],
      [
        'JSON unknown field',
        post(JSON.stringify({ prompt: 'x', model: 'test', fps: 30 }), { 'content-type': 'application/json' }),
        400,
      ],
      ['JSON array', post('[]', { 'content-type': 'application/json' }), 400],
      ['JSON __proto__', post('{"__proto__":{"a":1},"prompt":"x"}', { 'content-type': 'application/json' }), 400],
      ['JSON empty', post('', { 'content-type': 'application/json' }), 400],
      ['JSON broken', post('{"prompt":', { 'content-type': 'application/json' }), 400],
      [
        'JSON file_id',
        post(JSON.stringify({ prompt: 'x', model: 'test', input_reference: { file_id: 'f' } }), {
          'content-type': 'application/json',
        }),
        400,
      ],
      [
        'JSON bad data URL',
        post(
          JSON.stringify({ prompt: 'x', model: 'test', input_reference: { image_url: 'data:image/png;base64,AAAA' } }),
          { 'content-type': 'application/json' },
        ),
        400,
      ],
      [
        'JSON guidance on create',
        post(JSON.stringify({ prompt: 'x', model: 'test', guidance_scale: 5 }), { 'content-type': 'application/json' }),
        400,
      ],
      [
        'JSON seed as text',
        post(JSON.stringify({ prompt: 'x', model: 'test', seed: 'abc' }), { 'content-type': 'application/json' }),
        400,
      ],
    ];
    const dataUrl = `data:image/png;base64,${'A'.repeat(Math.ceil((IMAGE_MAX_BYTES * 4) / 3) + 400)}`;
    const json = { 'content-type': 'application/json' };
    const remix = (body: BodyInit, headers: Record<string, string> = {}) =>
      raw('/videos/AAAAAAAAAAAAAAAAAAAAAA/remix', { method: 'POST', body, headers });
    const extend = (body: BodyInit, headers: Record<string, string> = {}) =>
      raw('/videos/extensions', { method: 'POST', body, headers });
    cases.push(
      ['JSON over the body limit', post(JSON.stringify({ prompt: 'x', pad: 'x'.repeat(400_000) }), json), 413],
      [
        'data: URL over the image limit',
        post(JSON.stringify({ prompt: 'x', model: 'test', input_reference: { image_url: dataUrl } }), json),
        413,
      ],
      ['remix with a file', remix(form(['prompt', 'x'], ['video', png, 'a.png'])), 400],
      ['remix unknown field', remix(JSON.stringify({ prompt: 'x', seed: 1 }), json), 400],
      ['remix no prompt', remix(JSON.stringify({}), json), 400],
      ['extension without video', extend(JSON.stringify({ prompt: 'x', seconds: '2' }), json), 400],
      [
        'extension of an unknown video',
        extend(JSON.stringify({ prompt: 'x', seconds: '2', video: { id: 'nope' } }), json),
        404,
      ],
      [
        'extension with an image file',
        extend(form(['prompt', 'x'], ['seconds', '2'], ['model', 'test'], ['video', png, 'v.mp4'])),
        400,
      ],
      ['extension seconds not a number', extend(form(['prompt', 'x'], ['seconds', 'two'], ['video[id]', 'x'])), 400],
      ['content variant unknown', raw('/videos/AAAAAAAAAAAAAAAAAAAAAA/content?variant=gif'), 400],
    );
    for (const [name, pending, status] of cases) {
      const response = await pending;
      expect(response.status, `${name}: ${JSON.stringify(response.body)}`).toBe(status);
      expectShape(response.body);
    }
    expect((await raw('/models')).status).toBe(200);
  });

  it('JSON with a data: URL image and the open servers’ extensions is accepted', async () => {
    const image = `data:image/png;base64,${(await readFile(fixtures.png)).toString('base64')}`;
    const { status, body } = await post(
      JSON.stringify({
        prompt: 'x',
        model: 'test',
        seconds: 2,
        seed: 7,
        negative_prompt: 'blur',
        input_reference: { image_url: image },
      }),
      { 'content-type': 'application/json' },
    );
    expect(status, JSON.stringify(body)).toBe(200);
    const seed = await server.call('GET', `/video/tasks/${body.id}`);
    expect(seed.body).toMatchObject({ seed: 7, request: { negativePrompt: 'blur', settings: { duration: 2 } } });
  });

  it('unknown routes under /v1 answer in the shape of their API', async () => {
    const openai = await raw('/videos/x/unknown');
    expect(openai.status).toBe(404);
    expectShape(openai.body);
    const seed = await raw('/ai/nowhere');
    expect(seed.status).toBe(404);
    expect(seed.body.error.code).toBe('NOT_FOUND');
  });
});
