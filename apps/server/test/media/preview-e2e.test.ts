/**
 * The preview engine and the safe fetcher inside the real server: submit through the HTTP API,
 * poll, download the result, and see source failures end the task with their codes.
 */
import { readdir, readFile, readlink } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { probe } from '../engines/preview-helpers.ts';
import { startTestServer, type TestServer } from '../support/index.ts';
import { downloadTo, expectRisingProgress, previewClient } from './e2e-support.ts';
import { type Fixtures, makeFixtures } from './fixtures.ts';
import { type HostileServer, serveBytes, startHostileServer } from './hostile-server.ts';

let server: TestServer;
let sources: HostileServer;
let internal: HostileServer;
let fixtures: Fixtures;

beforeAll(async () => {
  [sources, internal, fixtures] = await Promise.all([
    startHostileServer('127.0.0.1'),
    startHostileServer('127.0.0.2'),
    makeFixtures(),
  ]);
  sources.route(
    '/photo.png',
    serveBytes(new Uint8Array(await readFile(fixtures.png)), { 'content-type': 'text/plain' }),
  );
  sources.route('/clip.mp4', serveBytes(new Uint8Array(await readFile(fixtures.mp4))));
  sources.route('/notes.jpg', serveBytes('just some text, not a picture\n'.repeat(8)));
  internal.route('/secret.png', serveBytes(new Uint8Array(await readFile(fixtures.png))));
  // Only the source server is on the allow-list; 127.0.0.2 stays forbidden like any private address.
  server = await startTestServer({ env: { VIDFORGE_FETCH_ALLOW: `127.0.0.1:${sources.port}` } });
});

afterAll(async () => {
  await server?.stop();
  await Promise.all([sources.close(), internal.close(), fixtures.remove()]);
});

const preview = (path: string) => `${server.basePath}/${server.previewEndpointPath}${path}`;
const submit = (kind: 'generate' | 'upscale' | 'extend', body: unknown) => previewClient(server).submit(kind, body);
const finish = (taskId: string) => previewClient(server).finish(taskId);

describe('preview through the API', () => {
  it('generate: rising progress, SUCCESS, a downloadable 16:9 H.264 video', async () => {
    const taskId = await submit('generate', { prompt: 'A paper boat on a pond', settings: { seed: 4, duration: 2 } });
    const { task, seen } = await finish(taskId);
    expect(task).toMatchObject({
      status: 'SUCCESS',
      progress: 1,
      seed: 4,
      video: { width: 1280, height: 720, fps: 24, durationSeconds: 2, hasAudio: false },
    });
    expectRisingProgress(seen);
    expect(seen.some((t) => t.status === 'IN_PROGRESS' && t.progress > 0.1 && t.progress < 1)).toBe(true);
    const video = await probe(await downloadTo(fixtures.dir, task.mediaUrl));
    expect(video).toMatchObject({ codec: 'h264', pixFmt: 'yuv420p', width: 1280, height: 720, frames: 48 });
  });

  it('generate with a source image fetched from an allowed host', async () => {
    const taskId = await submit('generate', {
      prompt: 'The test card comes alive',
      config: { sourceImage: `${sources.origin}/photo.png` },
      settings: { aspectRatio: '1:1', seed: 2 },
    });
    const { task } = await finish(taskId);
    expect(task).toMatchObject({ status: 'SUCCESS', video: { width: 720, height: 720 } });
  });

  it('extend keeps the source size and adds the seconds', async () => {
    const taskId = await submit('extend', { config: { sourceVideo: `${sources.origin}/clip.mp4`, extendDuration: 2 } });
    const { task } = await finish(taskId);
    expect(task).toMatchObject({
      status: 'SUCCESS',
      video: { width: 160, height: 120, fps: 24, durationSeconds: 3, hasAudio: true },
    });
  });

  it('a forbidden source address FAILs the task with SOURCE_FETCH_FAILED and is never contacted', async () => {
    const taskId = await submit('upscale', { config: { sourceVideo: `${internal.origin}/secret.png` } });
    const { task } = await finish(taskId);
    expect(task).toMatchObject({ status: 'FAIL', error: { code: 'SOURCE_FETCH_FAILED' }, mediaUrl: null });
    expect(internal.requests).toHaveLength(0);
  });

  it('text served as .jpg FAILs with SOURCE_UNSUPPORTED at once (no retries)', async () => {
    const before = sources.requests.filter((r) => r.url === '/notes.jpg').length;
    const taskId = await submit('generate', {
      prompt: 'x',
      config: { sourceImage: `${sources.origin}/notes.jpg` },
    });
    const { task } = await finish(taskId);
    expect(task).toMatchObject({ status: 'FAIL', error: { code: 'SOURCE_UNSUPPORTED' } });
    expect(sources.requests.filter((r) => r.url === '/notes.jpg').length - before).toBe(1);
  });

  it('cancelling a running generate stops its ffmpeg', async () => {
    const taskId = await submit('generate', { prompt: 'cancel me', settings: { duration: 8, seed: 1 } });
    const workRoot = join(server.dataDir, 'work');
    let running: number[] = [];
    for (let i = 0; i < 300 && running.length === 0; i++) {
      await new Promise((resolve) => setTimeout(resolve, 10));
      running = await processesUnder(workRoot);
    }
    expect(running.length).toBeGreaterThan(0);
    const response = await server.call('DELETE', preview(`/video/tasks/${taskId}`));
    expect(response.status).toBe(200);
    const { task } = await finish(taskId);
    expect(task).toMatchObject({ status: 'FAIL', error: { code: 'CANCELLED' } });
    const deadline = Date.now() + 1000;
    while ((await processesUnder(workRoot)).length > 0 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(await processesUnder(workRoot)).toEqual([]);
  });
});

/** Processes whose working directory is inside `root` (the engine runs ffmpeg in the task's work dir). */
async function processesUnder(root: string): Promise<number[]> {
  const found: number[] = [];
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if ((await readlink(`/proc/${entry}/cwd`)).startsWith(`${root}/`)) found.push(Number(entry));
    } catch {}
  }
  return found;
}
