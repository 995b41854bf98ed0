/**
 * The OpenAI-compatible API through the official `openai` npm client against a running server with
 * the preview engine: real videos, probed with ffprobe; and the same task seen through the seed API.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import OpenAI, { toFile } from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { probe } from '../engines/preview-helpers.ts';
import { type Fixtures, makeFixtures } from '../media/fixtures.ts';
import { startTestServer, type TestServer } from '../support/index.ts';
import { type Video, waitFor } from './openai-support.ts';

let server: TestServer;
let client: OpenAI;
let fixtures: Fixtures;

beforeAll(async () => {
  [server, fixtures] = await Promise.all([startTestServer(), makeFixtures()]);
  client = new OpenAI({ baseURL: `${server.url}/v1`, apiKey: server.key, maxRetries: 0 });
});

afterAll(async () => {
  await server?.stop();
  await fixtures?.remove();
});

async function download(id: string, variant: 'video' | 'thumbnail' | 'spritesheet', name: string) {
  const response = await client.videos.downloadContent(id, { variant });
  const path = join(fixtures.dir, name);
  await writeFile(path, new Uint8Array(await response.arrayBuffer()));
  return { path, contentType: response.headers.get('content-type') };
}

// The SDK's types list OpenAI's own sizes and lengths; ours are the engines' (docs/openai-api.md).
const small = { model: 'preview', size: '720x720', seconds: '2' } as unknown as Pick<
  OpenAI.Videos.VideoCreateParams,
  'model' | 'size' | 'seconds'
>;

describe('the official openai client', () => {
  let first: Video;

  it('lists the models the key may use', async () => {
    const models = await client.models.list();
    expect(models.data.map((m) => m.id).sort()).toEqual(['preview', 'test']);
    expect(models.data[0]).toMatchObject({ object: 'model', owned_by: 'vidforge' });
  });

  it('creates from text, polls to completion, downloads a video of the asked size and length', async () => {
    const created = await client.videos.create({ prompt: 'A lighthouse at dusk', ...small });
    expect(created).toMatchObject({
      object: 'video',
      model: 'preview',
      size: '720x720',
      seconds: '2',
      prompt: 'A lighthouse at dusk',
      remixed_from_video_id: null,
      error: null,
      completed_at: null,
      expires_at: null,
    });
    // A worker may have claimed it already: never assert timings.
    expect(['queued', 'in_progress']).toContain(created.status);
    const { video, seen } = await waitFor(client, created.id);
    first = video;
    expect(video.status).toBe('completed');
    expect(video.progress).toBe(100);
    expect(video.completed_at).toBeGreaterThanOrEqual(video.created_at);
    expect(video.expires_at).toBeGreaterThan(video.completed_at!);
    const progress = seen.map((v) => v.progress);
    expect(progress).toEqual([...progress].sort((a, b) => a - b));
    expect(seen.filter((v) => v.status !== 'completed').every((v) => v.progress < 100)).toBe(true);

    const { path, contentType } = await download(video.id, 'video', 'first.mp4');
    expect(contentType).toBe('video/mp4');
    expect(await probe(path)).toMatchObject({ codec: 'h264', width: 720, height: 720, frames: 48, duration: 2 });

    // The same task through the seed API, on its endpoint.
    const seed = await server.call('GET', `${server.basePath}/${server.previewEndpointPath}/video/tasks/${video.id}`);
    expect(seed.body).toMatchObject({ taskId: video.id, status: 'SUCCESS', progress: 1 });
  });

  it('serves a real thumbnail and spritesheet, made once and then stored', async () => {
    const thumb = await download(first.id, 'thumbnail', 'thumb.webp');
    expect(thumb.contentType).toBe('image/webp');
    expect(await probe(thumb.path)).toMatchObject({ codec: 'webp', width: 640, height: 640 });
    const again = await download(first.id, 'thumbnail', 'thumb-again.webp');
    expect(await readFile(again.path)).toEqual(await readFile(thumb.path));
    const sheet = await download(first.id, 'spritesheet', 'sheet.jpg');
    expect(sheet.contentType).toBe('image/jpeg');
    expect(await probe(sheet.path)).toMatchObject({ codec: 'mjpeg', width: 800, height: 320 });
  });

  it('creates from an uploaded image, which becomes the first frame', async () => {
    const image = await toFile(await readFile(fixtures.png), 'reference.png', { type: 'image/png' });
    const created = await client.videos.create({ prompt: 'The test card wakes up', input_reference: image, ...small });
    const { video } = await waitFor(client, created.id);
    expect(video).toMatchObject({ status: 'completed', size: '720x720', seconds: '2' });
    const seed = await server.call('GET', `${server.basePath}/${server.previewEndpointPath}/video/tasks/${video.id}`);
    expect(seed.body.request.config.sourceImage).toMatch(/\/v1\/videos\/uploads\//);
  });

  it('remixes: the same settings with the new prompt, remixed_from_video_id set', async () => {
    const remix = await client.videos.remix(first.id, { prompt: 'A lighthouse in a storm' });
    expect(remix).toMatchObject({
      remixed_from_video_id: first.id,
      prompt: 'A lighthouse in a storm',
      size: '720x720',
    });
    const { video } = await waitFor(client, remix.id);
    expect(video).toMatchObject({ status: 'completed', remixed_from_video_id: first.id, seconds: '2' });
    const seed = await server.call('GET', `${server.basePath}/${server.previewEndpointPath}/video/tasks/${video.id}`);
    const original = await server.call(
      'GET',
      `${server.basePath}/${server.previewEndpointPath}/video/tasks/${first.id}`,
    );
    expect(seed.body.seed).toBe(original.body.seed);
  });

  it('extends a completed video; the result is the whole stitched video', async () => {
    const extension = await client.videos.extend({
      video: { id: first.id },
      prompt: 'The light turns',
      seconds: '2' as never,
    });
    expect(extension).toMatchObject({ size: '720x720', seconds: '4', prompt: 'The light turns' });
    const { video } = await waitFor(client, extension.id);
    expect(video).toMatchObject({ status: 'completed', seconds: '4', size: '720x720' });
    const { path } = await download(video.id, 'video', 'extended.mp4');
    expect(await probe(path)).toMatchObject({ width: 720, height: 720, frames: 96, duration: 4 });
  });

  it('extends an uploaded video: the checked upload, then its length plus the seconds', async () => {
    const clip = await toFile(await readFile(fixtures.mp4), 'clip.mp4', { type: 'video/mp4' });
    const extension = await client.videos.extend({
      video: clip,
      prompt: 'Onwards',
      seconds: '2' as never,
      model: 'preview',
    } as never);
    expect(extension).toMatchObject({ size: '160x120', seconds: '3' });
    const { video } = await waitFor(client, extension.id);
    expect(video).toMatchObject({ status: 'completed', size: '160x120', seconds: '3' });
  });

  it('serves byte ranges of the video', async () => {
    const response = await fetch(`${server.url}/v1/videos/${first.id}/content`, {
      headers: { authorization: `Bearer ${server.key}`, range: 'bytes=0-99' },
    });
    expect(response.status).toBe(206);
    expect(response.headers.get('content-range')).toMatch(/^bytes 0-99\/\d+$/);
    expect((await response.arrayBuffer()).byteLength).toBe(100);
  });

  it('a task made through the seed API is a video here, and a forged upload URL fails its task', async () => {
    const seedCall = (path: string, body?: unknown) =>
      server.call(body ? 'POST' : 'GET', `${server.basePath}/${server.previewEndpointPath}${path}`, body);
    const forged = `${server.url}/v1/videos/uploads/${'C'.repeat(22)}.png?exp=${Date.now() + 60_000}&kid=k1&sig=${'A'.repeat(43)}`;
    const submitted = await seedCall('/video/generate', { prompt: 'forged', config: { sourceImage: forged } });
    expect(submitted.status).toBe(200);
    const { video } = await waitFor(client, submitted.body.taskId);
    expect(video).toMatchObject({
      status: 'failed',
      model: 'preview',
      prompt: 'forged',
      size: '1280x720',
      seconds: '2',
    });
    expect(video.error).toMatchObject({ code: 'source_fetch_failed' });
  });

  it('deletes: the video is gone here, the task stays readable through the seed API without media', async () => {
    const created = await client.videos.create({ prompt: 'Short-lived', ...small });
    await waitFor(client, created.id);
    expect(await client.videos.delete(created.id)).toEqual({ id: created.id, object: 'video.deleted', deleted: true });
    await expect(client.videos.retrieve(created.id)).rejects.toBeInstanceOf(OpenAI.NotFoundError);
    await expect(client.videos.downloadContent(created.id)).rejects.toBeInstanceOf(OpenAI.NotFoundError);
    await expect(client.videos.delete(created.id)).rejects.toBeInstanceOf(OpenAI.NotFoundError);
    const seed = await server.call('GET', `${server.basePath}/${server.previewEndpointPath}/video/tasks/${created.id}`);
    expect(seed.body).toMatchObject({ status: 'SUCCESS', mediaUrl: null });
  });

  it('deleting a queued video cancels its task', async () => {
    const created = await client.videos.create({
      model: 'test',
      prompt: 'test: steps=50 stepMs=100',
      seconds: '2' as never,
    });
    await client.videos.delete(created.id);
    const seed = await server.call('GET', `/video/tasks/${created.id}`);
    expect(seed.body).toMatchObject({ status: 'FAIL', error: { code: 'CANCELLED' } });
  });
});
