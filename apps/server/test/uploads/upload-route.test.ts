/**
 * `POST /v1/ai/{endpointPath}/uploads` against a real server: a checked file comes back as a URL
 * the three POSTs accept, and every hostile body (empty, not media, cut short, oversized, a form,
 * broken off mid-stream) is an error in the seed's shape, never a crash or a task.
 */
import { readFile } from 'node:fs/promises';
import { request as httpRequest } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Fixtures, makeFixtures } from '../media/fixtures.ts';
import { startTestServer, type TestServer } from '../support/index.ts';
import { readResponse } from '../support/server.ts';

const IMAGE_MAX_BYTES = 200_000;
const VIDEO_MAX_BYTES = 400_000;
let server: TestServer;
let fixtures: Fixtures;

beforeAll(async () => {
  [server, fixtures] = await Promise.all([
    startTestServer({
      env: { VIDFORGE_IMAGE_MAX_BYTES: String(IMAGE_MAX_BYTES), VIDFORGE_VIDEO_MAX_BYTES: String(VIDEO_MAX_BYTES) },
    }),
    makeFixtures(),
  ]);
});

afterAll(async () => {
  await server?.stop();
  await fixtures?.remove();
});

const uploadUrl = (endpoint = server.endpointPath) => `${server.basePath}/${endpoint}/uploads`;

async function upload(body: BodyInit | undefined, headers: Record<string, string> = {}, endpoint?: string) {
  // A form gets its multipart Content-Type (with the boundary) from fetch.
  const type: Record<string, string> = body instanceof FormData ? {} : { 'content-type': 'application/octet-stream' };
  const response = await fetch(uploadUrl(endpoint), {
    method: 'POST',
    headers: { authorization: `Bearer ${server.key}`, ...type, ...headers },
    body,
    ...(body instanceof ReadableStream ? { duplex: 'half' } : {}),
  } as RequestInit);
  return readResponse(response);
}

/** Submits to the preview endpoint; returns the task id. */
async function preview(operation: string, body: unknown): Promise<string> {
  const response = await fetch(`${server.basePath}/${server.previewEndpointPath}/video/${operation}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${server.key}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const { status, body: answer } = await readResponse(response);
  expect(status).toBe(200);
  return answer.taskId;
}

async function finished(taskId: string): Promise<any> {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    const response = await fetch(`${server.basePath}/${server.previewEndpointPath}/video/tasks/${taskId}`, {
      headers: { authorization: `Bearer ${server.key}` },
    });
    const task = await response.json();
    if (task.status === 'SUCCESS' || task.status === 'FAIL') return task;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`task ${taskId} did not finish`);
}

/** A body that trickles `bytes` in chunks: no Content-Length, so only the stream's own count limits it. */
function chunked(bytes: Buffer, chunk = 64 * 1024): ReadableStream<Uint8Array> {
  let offset = 0;
  return new ReadableStream({
    pull(controller) {
      if (offset >= bytes.length) return controller.close();
      controller.enqueue(new Uint8Array(bytes.subarray(offset, offset + chunk)));
      offset += chunk;
    },
  });
}

describe('uploading', () => {
  it('answers url, kind, contentType, size and expiresAt; the URL works as sourceImage and sourceVideo', async () => {
    const png = await readFile(fixtures.png);
    const before = Date.now();
    const image = await upload(png);
    expect(image.status).toBe(200);
    expect(image.body).toMatchObject({ kind: 'image', contentType: 'image/png', size: png.length });
    expect(image.body.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/v1\/videos\/uploads\/[A-Za-z0-9_-]+\.png\?exp=/);
    // Kept for the result retention (7 days by default).
    expect(image.body.expiresAt).toBeGreaterThanOrEqual(before + 7 * 24 * 3600_000);

    // The declared type does not matter: the bytes decide (a video sent as image/png is a video).
    const video = await upload(await readFile(fixtures.mp4), { 'content-type': 'image/png' });
    expect(video.body).toMatchObject({ kind: 'video', contentType: 'video/mp4' });

    // The preview engine reads its source (the test engine does not), so these prove the URL works.
    const submitted = await Promise.all([
      preview('generate', { prompt: 'from a file', config: { sourceImage: image.body.url } }),
      preview('upscale', { config: { sourceVideo: video.body.url } }),
      preview('extend', { config: { sourceVideo: video.body.url, extendDuration: 2 } }),
    ]);
    const [generated, upscaled, extended] = await Promise.all(submitted.map(finished));
    expect([generated?.status, generated?.error]).toEqual(['SUCCESS', null]);
    expect(upscaled?.video).toMatchObject({ width: 320, height: 240 });
    expect(extended?.video).toMatchObject({ width: 160, height: 120, durationSeconds: 3 });
  });

  it('a tampered upload URL is accepted as a URL but fails the task, never reading another file', async () => {
    const { body } = await upload(await readFile(fixtures.png));
    const tampered = body.url.replace(/sig=[^&]+/, 'sig=AAAA');
    const task = await finished(await preview('generate', { prompt: 'x', config: { sourceImage: tampered } }));
    expect(task?.error?.code).toBe('SOURCE_FETCH_FAILED');
  });
});

describe('refusing', () => {
  it('needs the key and an endpoint the key may use, before reading the body', async () => {
    const png = await readFile(fixtures.png);
    let response = await readResponse(await fetch(uploadUrl(), { method: 'POST', body: png }));
    expect([response.status, response.body.error.code]).toEqual([401, 'UNAUTHORIZED']);
    response = await upload(png, { authorization: 'Bearer vf_nope' });
    expect([response.status, response.body.error.code]).toEqual([401, 'UNAUTHORIZED']);
    response = await upload(png, {}, 'NoSuchEndpoint42');
    expect([response.status, response.body.error.code]).toEqual([404, 'ENDPOINT_NOT_FOUND']);
    expect(response.body.error.requestId).toBe(response.headers.get('x-request-id'));
  });

  it('answers each hostile body in the seed error shape', async () => {
    const png = await readFile(fixtures.png);
    const bigImage = Buffer.alloc(IMAGE_MAX_BYTES + 1);
    png.copy(bigImage);
    const bigVideo = Buffer.alloc(VIDEO_MAX_BYTES + 1);
    (await readFile(fixtures.mp4)).copy(bigVideo);
    const cases: [string, () => ReturnType<typeof upload>, number, string, RegExp][] = [
      ['no body', () => upload(undefined), 400, 'INVALID_REQUEST', /empty/],
      ['an empty body', () => upload(new Uint8Array(0)), 400, 'INVALID_REQUEST', /empty/],
      ['an empty chunked body', () => upload(chunked(Buffer.alloc(0))), 400, 'INVALID_REQUEST', /empty/],
      ['text', () => upload('hello, not a picture'), 415, 'UNSUPPORTED_MEDIA_TYPE', /bytes are something else/],
      ['JSON', () => upload('{"a":1}', { 'content-type': 'application/json' }), 415, 'UNSUPPORTED_MEDIA_TYPE', /./],
      ['HTML', () => upload(`<html>${'x'.repeat(100)}`), 415, 'UNSUPPORTED_MEDIA_TYPE', /./],
      ['a form', () => upload(formOf(png)), 415, 'UNSUPPORTED_MEDIA_TYPE', /not a form/],
      ['a PNG header only', () => upload(png.subarray(0, 20)), 400, 'INVALID_REQUEST', /file/],
      ['an oversized image', () => upload(bigImage), 413, 'PAYLOAD_TOO_LARGE', /image/],
      ['an oversized chunked image', () => upload(chunked(bigImage)), 413, 'PAYLOAD_TOO_LARGE', /./],
      ['an oversized video', () => upload(bigVideo), 413, 'PAYLOAD_TOO_LARGE', /video/],
      ['an oversized chunked video', () => upload(chunked(bigVideo)), 413, 'PAYLOAD_TOO_LARGE', /./],
    ];
    for (const [name, send, status, code, message] of cases) {
      const response = await send();
      expect([name, response.status, response.body.error?.code, response.body.error?.message]).toEqual([
        name,
        status,
        code,
        expect.any(String),
      ]);
      expect(response.body.error.message).toMatch(message);
    }
    // A video that is not playable (its moov lost) is refused by the probe, like a fetched one.
    const truncatedVideo = await upload(await readFile(fixtures.truncatedMp4));
    expect([truncatedVideo.status, truncatedVideo.body.error.code]).toEqual([400, 'INVALID_REQUEST']);
  });

  it('refuses a declared size over every limit before reading a byte', async () => {
    const answer = await rawUpload({ 'content-length': String(VIDEO_MAX_BYTES + 1) }, Buffer.alloc(0), false);
    expect(answer.status).toBe(413);
    expect(JSON.parse(answer.text).error.code).toBe('PAYLOAD_TOO_LARGE');
  });

  it('survives bodies that break off mid-stream, and keeps answering', async () => {
    const png = await readFile(fixtures.png);
    // Declares more than it sends, then hangs up.
    await rawUpload({ 'content-length': String(png.length * 2) }, png, true).catch(() => {});
    const health = await fetch(`${server.url}/healthz`);
    expect(health.status).toBe(200);
    const again = await upload(png);
    expect(again.status).toBe(200);
  });
});

function formOf(file: Buffer): FormData {
  const form = new FormData();
  form.append('file', new Blob([new Uint8Array(file)], { type: 'image/png' }), 'photo.png');
  return form;
}

/** A request by hand, to send what fetch will not: a Content-Length the body does not match. */
function rawUpload(
  headers: Record<string, string>,
  body: Buffer,
  hangUp: boolean,
): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const request = httpRequest(uploadUrl(), {
      method: 'POST',
      headers: { authorization: `Bearer ${server.key}`, 'content-type': 'application/octet-stream', ...headers },
    });
    request.on('response', (response) => {
      let text = '';
      response.setEncoding('utf8');
      response.on('data', (chunk) => {
        text += chunk;
      });
      response.on('end', () => resolve({ status: response.statusCode ?? 0, text }));
    });
    request.on('error', reject);
    request.write(body);
    if (hangUp) setTimeout(() => request.destroy(), 100);
  });
}
