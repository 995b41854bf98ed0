/**
 * The upstream engine between two real Vidforge servers on loopback: the front's endpoint of
 * engine `upstream` drives the other server, through each API shape (the seed's, `haiper`, and
 * the OpenAI Videos one, `openai`). The upstream runs the real preview engine (results that probe
 * as video) or the scriptable test engine (long, steady tasks; its bytes are not a video).
 */
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openAdmin } from '../../src/admin/index.ts';
import type { EngineContext, EngineTask } from '../../src/engines/engine.ts';
import { createUpstreamEngine } from '../../src/engines/upstream/upstream-engine.ts';
import { checkFfmpeg } from '../../src/modules/media/ffmpeg-check.ts';
import { parseMediaConfig } from '../../src/modules/media/media.config.ts';
import { readResponse, startTestServer, type TestServer } from '../support/server.ts';
import { tempDir } from '../support/temp-dir.ts';

const run = promisify(execFile);
const SHAPES = ['haiper', 'openai'] as const;
type Shape = (typeof SHAPES)[number];

let upstream: TestServer;
let front: TestServer;
let media: { path: string; remove(): Promise<void> };
let png: Buffer;
let mp4: Buffer;

beforeAll(async () => {
  [upstream, front, media] = await Promise.all([startTestServer(), startTestServer(), tempDir()]);
  await run('ffmpeg', [
    '-v',
    'error',
    '-f',
    'lavfi',
    '-i',
    'testsrc=s=320x240',
    '-frames:v',
    '1',
    join(media.path, 'a.png'),
  ]);
  await run('ffmpeg', [
    ...['-v', 'error', '-f', 'lavfi', '-i', 'testsrc=s=320x240:r=24:d=2'],
    ...['-c:v', 'libx264', '-pix_fmt', 'yuv420p', '-movflags', '+faststart', join(media.path, 'a.mp4')],
  ]);
  png = await readFile(join(media.path, 'a.png'));
  mp4 = await readFile(join(media.path, 'a.mp4'));
}, 60_000);

afterAll(async () => {
  await Promise.all([upstream?.stop(), front?.stop(), media?.remove()]);
});

/** Which of the upstream's endpoints: the preview engine's or the test engine's. */
type Target = 'preview' | 'test';

function settingsFor(shape: Shape, target: Target, overrides: Record<string, unknown> = {}) {
  const path = target === 'preview' ? upstream.previewEndpointPath : upstream.endpointPath;
  const common = { credential: upstream.key, pollIntervalMs: 30, pollMaxIntervalMs: 150 };
  return shape === 'haiper'
    ? { kind: 'haiper', baseUrl: `${upstream.url}/v1/ai`, endpointPath: path, ...common, ...overrides }
    : { kind: 'openai', baseUrl: `${upstream.url}/v1`, model: path, ...common, ...overrides };
}

/** An endpoint of engine `upstream` on the front, and the seed API of it with a key of its own. */
async function frontEndpoint(settings: Record<string, unknown>) {
  const { admin, close } = await openAdmin(front.config);
  const endpoint = await admin.createEndpoint({ engine: 'upstream', settings });
  const { key } = await admin.createKey({ endpoints: [endpoint.path] });
  await close();
  const base = `${front.url}/v1/ai/${endpoint.path}`;
  const call = async (method: string, path: string, body?: unknown, type = 'application/json') =>
    readResponse(
      await fetch(`${base}${path}`, {
        method,
        headers: { authorization: `Bearer ${key}`, ...(body === undefined ? {} : { 'content-type': type }) },
        body: body === undefined ? undefined : Buffer.isBuffer(body) ? new Uint8Array(body) : JSON.stringify(body),
      }),
    );
  return {
    call,
    async submit(type: string, body: unknown): Promise<string> {
      const response = await call('POST', `/video/${type}`, body);
      expect(response.status, JSON.stringify(response.body)).toBe(200);
      return response.body.taskId;
    },
    async upload(bytes: Buffer): Promise<string> {
      const response = await call('POST', '/uploads', bytes, 'application/octet-stream');
      expect(response.status, JSON.stringify(response.body)).toBe(200);
      return response.body.url;
    },
    /** Polls until done; returns the last task and every progress seen. */
    async until(id: string, done = (t: any) => t.status === 'SUCCESS' || t.status === 'FAIL', timeoutMs = 60_000) {
      const progress: number[] = [];
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const { body } = await call('GET', `/video/tasks/${id}`);
        progress.push(body.progress);
        if (done(body)) return { task: body, progress };
        if (Date.now() > deadline) throw new Error(`task ${id} still ${JSON.stringify(body)}`);
        await new Promise((r) => setTimeout(r, 20));
      }
    },
  };
}

/** The upstream's tasks on one of its endpoints, newest first. */
async function upstreamTasks(target: Target): Promise<any[]> {
  const path = target === 'preview' ? upstream.previewEndpointPath : upstream.endpointPath;
  const { body } = await upstream.call('GET', `${upstream.basePath}/${path}/video/tasks?limit=100`);
  return body.tasks;
}

async function probe(url: string) {
  const bytes = Buffer.from(await (await fetch(url)).arrayBuffer());
  const file = join(media.path, `probe-${Date.now()}-${Math.random()}.mp4`);
  await import('node:fs/promises').then((fs) => fs.writeFile(file, bytes));
  const { stdout } = await run('ffprobe', ['-v', 'error', '-show_streams', '-show_format', '-of', 'json', file]);
  const info = JSON.parse(stdout);
  const video = info.streams.find((s: any) => s.codec_type === 'video');
  return { codec: video.codec_name, width: video.width, height: video.height, duration: Number(info.format.duration) };
}

describe.each(SHAPES)('upstream engine, %s shape', (shape) => {
  it('generates through the upstream: one upstream task, a result that probes as video', async () => {
    const before = (await upstreamTasks('preview')).length;
    const api = await frontEndpoint(settingsFor(shape, 'preview'));
    const id = await api.submit('generate', { prompt: 'A paper boat', settings: { duration: 2, aspectRatio: '1:1' } });
    const { task, progress } = await api.until(id);
    expect(task.status, JSON.stringify(task)).toBe('SUCCESS');
    expect(task.video).toMatchObject({ width: 720, height: 720 });
    expect(progress).toEqual([...progress].sort((a, b) => a - b));
    expect(await probe(task.mediaUrl)).toMatchObject({ codec: 'h264', width: 720, height: 720 });
    const after = await upstreamTasks('preview');
    expect(after.length).toBe(before + 1);
    expect(after[0]).toMatchObject({ status: 'SUCCESS', seed: task.seed });
  });

  it("maps the upstream's progress, and refuses a result that is not a video", async () => {
    const api = await frontEndpoint(settingsFor(shape, 'test'));
    const id = await api.submit('generate', { prompt: 'test: steps=4 stepMs=300' });
    const { task, progress } = await api.until(id);
    // The test engine reports 0.2, 0.4, 0.6, 0.8; the front shows 95% of that until its download.
    const middle = progress.filter((p) => p > 0 && p < 0.95);
    expect(middle.length).toBeGreaterThanOrEqual(2);
    expect(middle.some((p) => Math.abs(p - 0.95 * 0.4) < 0.02 || Math.abs(p - 0.95 * 0.6) < 0.02)).toBe(true);
    expect(progress).toEqual([...progress].sort((a, b) => a - b));
    expect(task.status).toBe('FAIL');
    expect(task.error.code).toBe('OUTPUT_INVALID');
    expect(task.error.message).toMatch(/upstream's result/);
  });

  it('passes a source image on', async () => {
    const api = await frontEndpoint(settingsFor(shape, 'preview'));
    const sourceImage = await api.upload(png);
    const id = await api.submit('generate', {
      prompt: 'From a picture',
      config: { sourceImage },
      settings: { duration: 2 },
    });
    const { task } = await api.until(id);
    expect(task.status, JSON.stringify(task)).toBe('SUCCESS');
    expect(task.video).toMatchObject({ width: 1280, height: 720 });
    const [made] = await upstreamTasks('preview');
    // The file went to the upstream as an upload of its own (a URL that only it resolves, or a form file).
    expect(made.request.config.sourceImage).toMatch(/\/uploads\//);
    expect(made.request.config.sourceImage).not.toBe(sourceImage);
  });

  it('extends a video through the upstream', async () => {
    const api = await frontEndpoint(settingsFor(shape, 'preview'));
    const sourceVideo = await api.upload(mp4);
    const id = await api.submit('extend', { prompt: 'on', config: { sourceVideo, extendDuration: 2 } });
    const { task } = await api.until(id);
    expect(task.status, JSON.stringify(task)).toBe('SUCCESS');
    expect(task.video).toMatchObject({ width: 320, height: 240 });
    expect(task.video.durationSeconds).toBeCloseTo(4, 0);
  });

  it('passes a cancel on to the upstream task', async () => {
    const api = await frontEndpoint(settingsFor(shape, 'test'));
    const id = await api.submit('generate', { prompt: `test: steps=200 stepMs=100 cancel=${shape}` });
    await api.until(id, (t) => t.status === 'IN_PROGRESS' && t.progress > 0, 20_000);
    const [mirror] = await upstreamTasks('test');
    expect(mirror.status).toBe('IN_PROGRESS');
    expect((await api.call('DELETE', `/video/tasks/${id}`)).status).toBe(200);
    const deadline = Date.now() + 10_000;
    let seen = mirror;
    while (seen.status !== 'FAIL' && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 50));
      seen = (await upstreamTasks('test')).find((t) => t.taskId === mirror.taskId);
    }
    expect(seen).toMatchObject({ status: 'FAIL', error: { code: 'CANCELLED' } });
  });

  it("fails at once with the upstream's message on a 4xx", async () => {
    const wrong = shape === 'haiper' ? { endpointPath: 'no-such-endpoint' } : { model: 'no-such-model' };
    const api = await frontEndpoint(settingsFor(shape, 'preview', wrong));
    const id = await api.submit('generate', { prompt: 'Refused' });
    const { task } = await api.until(id);
    expect(task.status).toBe('FAIL');
    expect(task.error.code).toBe('ENGINE_FAILED');
    expect(task.error.message).toMatch(shape === 'haiper' ? /HTTP 404 ENDPOINT_NOT_FOUND/ : /HTTP 400 model_not_found/);
    expect(task.error.message).toMatch(/no such endpoint|model/i);
  });

  it('a crash between the upstream answer and the checkpoint does not submit twice (Idempotency-Key)', async () => {
    const mediaConfig = parseMediaConfig({});
    const engine = createUpstreamEngine({ ffmpeg: await checkFfmpeg(mediaConfig), media: mediaConfig });
    const task: EngineTask = {
      id: `crash-${shape}-${Date.now()}`,
      request: {
        type: 'generate',
        body: { prompt: 'test: steps=2 stepMs=20', settings: { seed: 9, duration: 2, aspectRatio: '16:9' } },
      },
      seed: 9,
      attempt: 1,
      endpointSettings: settingsFor(shape, 'test'),
      resumeState: null,
    };
    const saved: any[] = [];
    const context = (crash: boolean): EngineContext => ({
      workDir: media.path,
      signal: new AbortController().signal,
      progress() {},
      source: () => Promise.reject(new Error('no source')),
      async checkpoint(state) {
        if (crash) throw new Error('the process died before this write');
        saved.push(state);
      },
    });
    const before = (await upstreamTasks('test')).length;
    await expect(engine.run(task, context(true))).rejects.toThrow(/died/);
    // The next attempt knows nothing (the checkpoint never landed) and submits again, under the same key.
    await expect(engine.run({ ...task, attempt: 2 }, context(false))).rejects.toMatchObject({ code: 'OUTPUT_INVALID' });
    const after = await upstreamTasks('test');
    expect(after.length).toBe(before + 1);
    expect(saved[0]).toEqual({ v: 1, gen: 1, upstreamId: after[0].taskId });
  });

  it('refuses a bad credential without retrying', async () => {
    const api = await frontEndpoint(settingsFor(shape, 'preview', { credential: 'wrong-credential-0123456789' }));
    const id = await api.submit('generate', { prompt: 'Refused' });
    const { task } = await api.until(id);
    expect(task.error.code).toBe('ENGINE_UNAVAILABLE');
    expect(task.error.message).toMatch(/refused this endpoint's credential \(submit: HTTP 401/);
    expect(task.error.message).not.toContain('wrong-credential');
  });
});

describe('upstream engine, operations one shape lacks', () => {
  it('upscales through the haiper shape', async () => {
    const api = await frontEndpoint(settingsFor('haiper', 'preview'));
    const sourceVideo = await api.upload(mp4);
    const id = await api.submit('upscale', { config: { sourceVideo } });
    const { task } = await api.until(id);
    expect(task.status, JSON.stringify(task)).toBe('SUCCESS');
    expect(task.video).toMatchObject({ width: 640, height: 480 });
  });

  it('fails an upscale through the openai shape with a clear message', async () => {
    const api = await frontEndpoint(settingsFor('openai', 'preview'));
    const sourceVideo = await api.upload(mp4);
    const id = await api.submit('upscale', { config: { sourceVideo } });
    const { task } = await api.until(id);
    expect(task.error).toMatchObject({ code: 'ENGINE_UNAVAILABLE' });
    expect(task.error.message).toMatch(/no upscale/);
  });
});
