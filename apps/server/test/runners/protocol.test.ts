/**
 * The runner protocol against a real server, call by call over HTTP (docs/runner-protocol.md):
 * claims and long-polls, fencing by lease token, cancel through the heartbeat, untrusted uploads,
 * source staging and runner tokens. Process-level runs (SIGKILL, the reference runner) are in
 * apps/cli/test/runner.
 */
import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { previewClient } from '../media/e2e-support.ts';
import { type Fixtures, makeFixtures } from '../media/fixtures.ts';
import {
  addRunner,
  addRunnerEndpoint,
  listRunners,
  revokeRunner,
  runnerCall,
  startTestServer,
  type TestServer,
} from '../support/index.ts';

let server: TestServer;
let fixtures: Fixtures;
let video: Uint8Array;
let endpointPath: string;

beforeAll(async () => {
  [server, fixtures] = await Promise.all([
    startTestServer({
      env: { VIDFORGE_LEASE_MS: '1500', VIDFORGE_WORKERS: '1', VIDFORGE_VIDEO_MAX_BYTES: String(2 * 1024 * 1024) },
    }),
    makeFixtures(),
  ]);
  video = await readFile(fixtures.mp4);
  endpointPath = await addRunnerEndpoint(server, 'preview');
});
afterAll(async () => {
  await server?.stop();
  await fixtures?.remove();
});

const api = (method: string, path: string, body?: unknown) =>
  server.call(method, `${server.basePath}/${endpointPath}${path}`, body);

async function submit(body: unknown = { prompt: 'a lighthouse at dusk' }, type = 'generate'): Promise<string> {
  const response = await api('POST', `/video/${type}`, body);
  expect(response.status, JSON.stringify(response.body)).toBe(200);
  return response.body.taskId;
}

async function claim(token: string, body: unknown = { waitMs: 0 }) {
  const response = await runnerCall(server, token, 'POST', '/claim', { body });
  expect(response.status, JSON.stringify(response.body)).toBe(200);
  return response.body.task;
}

/** Claims until this task comes up (other tests' leftovers are given back). */
async function claimTask(token: string, taskId: string) {
  for (let i = 0; i < 20; i++) {
    const task = await claim(token, { waitMs: 2000 });
    if (task?.taskId === taskId) return task;
    if (task)
      await runnerCall(server, token, 'POST', `/tasks/${task.taskId}/fail`, {
        leaseToken: task.leaseToken,
        body: { code: 'ENGINE_FAILED', message: 'not this one', retryable: false },
      });
  }
  const { body } = await api('GET', `/video/tasks/${taskId}`);
  throw new Error(`never claimed ${taskId}: ${JSON.stringify(body)}`);
}

const taskCall = (token: string, task: { taskId: string; leaseToken: string }, action: string, body?: unknown) =>
  runnerCall(server, token, action === 'output' ? 'PUT' : 'POST', `/tasks/${task.taskId}/${action}`, {
    leaseToken: task.leaseToken,
    body,
  });

describe('claim, heartbeat, upload, complete', () => {
  it('runs a task end to end and the client sees the runner’s progress and result', async () => {
    const { token, id } = await addRunner(server, { name: 'gpu-01' });
    const taskId = await submit({ prompt: 'a lighthouse at dusk', settings: { seed: 7, duration: 4 } });
    expect((await api('GET', `/video/tasks/${taskId}`)).body.status).toBe('PENDING');

    const task = await claimTask(token, taskId);
    expect(task).toMatchObject({
      taskId,
      type: 'generate',
      engine: 'preview',
      attempt: 1,
      seed: 7,
      request: { prompt: 'a lighthouse at dusk', settings: { seed: 7, duration: 4, aspectRatio: '16:9' } },
      endpointSettings: { family: 'preview' },
      source: null,
      // Results on local disk: no upload URL, the bytes come through PUT …/output.
      output: { contentType: 'video/mp4', maxBytes: 2 * 1024 * 1024, upload: null },
      heartbeatIntervalMs: 500,
    });
    const early = await taskCall(token, task, 'uploaded');
    expect(early.status).toBe(409);
    expect(early.body.error.code).toBe('OUTPUT_MISSING');
    expect(task.leaseExpiresAt).toBeGreaterThan(Date.now());

    const beat = await taskCall(token, task, 'heartbeat', { progress: 0.4, stage: 'denoising' });
    expect(beat.status).toBe(200);
    expect(beat.body).toEqual({ cancelled: false, leaseExpiresAt: expect.any(Number) });
    const seen = await api('GET', `/video/tasks/${taskId}`);
    expect(seen.body).toMatchObject({ status: 'IN_PROGRESS', progress: 0.4 });
    // Progress never goes down, and stays below 1 until the task succeeds.
    await taskCall(token, task, 'heartbeat', { progress: 0.2 });
    await taskCall(token, task, 'heartbeat', { progress: 1, stage: 'encoding' });
    expect((await api('GET', `/video/tasks/${taskId}`)).body.progress).toBe(0.99);

    const listed = (await listRunners(server)).find((r) => r.id === id)!;
    expect(listed.lastSeenAt).toEqual(expect.any(Number));
    expect(listed.running).toEqual([
      { taskId, attempt: 1, progress: 0.99, stage: 'encoding', leaseExpiresAt: expect.any(Number) },
    ]);

    const complete = await taskCall(token, task, 'complete');
    expect(complete.status).toBe(409);
    expect(complete.body.error.code).toBe('OUTPUT_MISSING');

    const upload = await taskCall(token, task, 'output', video);
    expect(upload.status, JSON.stringify(upload.body)).toBe(200);
    expect(upload.body).toEqual({
      size: video.byteLength,
      video: { width: 160, height: 120, fps: 24, durationSeconds: 1, hasAudio: true },
    });
    expect((await taskCall(token, task, 'complete')).body).toEqual({ status: 'SUCCESS' });

    const done = (await api('GET', `/video/tasks/${taskId}`)).body;
    expect(done).toMatchObject({ status: 'SUCCESS', progress: 1, video: upload.body.video });
    const media = await fetch(done.mediaUrl);
    expect(media.status).toBe(200);
    expect(Buffer.from(await media.arrayBuffer()).equals(video)).toBe(true);
    expect((await listRunners(server)).find((r) => r.id === id)!.running).toEqual([]);

    // The lease ended with the task: every later call is refused.
    for (const action of ['heartbeat', 'complete', 'abort']) {
      const late = await taskCall(token, task, action, action === 'heartbeat' ? { progress: 0.5 } : {});
      expect(late.status, action).toBe(409);
      expect(late.body.error.code).toBe('LEASE_LOST');
    }
  });

  it('keeps tasks PENDING while no runner is connected; the in-process workers never take them', async () => {
    const taskId = await submit();
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect((await api('GET', `/video/tasks/${taskId}`)).body).toMatchObject({ status: 'PENDING', progress: 0 });
    await api('DELETE', `/video/tasks/${taskId}`);
  });

  it('long-polls: a claim waiting for work gets a task submitted while it waits', async () => {
    const { token } = await addRunner(server);
    const waiting = runnerCall(server, token, 'POST', '/claim', { body: { waitMs: 10_000 } });
    await new Promise((resolve) => setTimeout(resolve, 200));
    const taskId = await submit();
    const response = await waiting;
    expect(response.status).toBe(200);
    expect(response.body.task.taskId).toBe(taskId);
    await taskCall(token, response.body.task, 'abort', { reason: 'test done' });
    await api('DELETE', `/video/tasks/${taskId}`);
  });

  it('answers {"task": null} when nothing arrives within waitMs', async () => {
    const { token } = await addRunner(server, { engines: ['nothing-here'] });
    expect(await claim(token, { waitMs: 0 })).toBeNull();
    expect(await claim(token, { waitMs: 150 })).toBeNull();
  });

  it('gives one task to exactly one of two racing runners', async () => {
    const [a, b] = await Promise.all([addRunner(server), addRunner(server)]);
    const taskId = await submit();
    const results = await Promise.all([claim(a.token, { waitMs: 500 }), claim(b.token, { waitMs: 500 })]);
    const winners = results.filter((task) => task?.taskId === taskId);
    expect(winners).toHaveLength(1);
    const winner = results[0]?.taskId === taskId ? a : b;
    const loser = winner === a ? b : a;
    // The loser cannot act on the winner's task, even with the winner's lease token.
    const stolen = await taskCall(loser.token, winners[0], 'heartbeat', { progress: 0.5 });
    expect(stolen.status).toBe(409);
    expect(stolen.body.error.code).toBe('LEASE_LOST');
    await taskCall(winner.token, winners[0], 'abort');
    await api('DELETE', `/video/tasks/${taskId}`);
  });
});

describe('fencing', () => {
  it('refuses every write of a frozen runner whose lease expired; another runner finishes the task', async () => {
    const [frozen, healthy] = await Promise.all([addRunner(server), addRunner(server)]);
    const taskId = await submit();
    const first = await claimTask(frozen.token, taskId);
    expect((await taskCall(frozen.token, first, 'heartbeat', { progress: 0.3 })).status).toBe(200);

    // No heartbeat for longer than the lease: the reaper takes the task back for another attempt.
    const second = await claimTask(healthy.token, taskId);
    expect(second.attempt).toBe(2);

    for (const [action, body] of [
      ['heartbeat', { progress: 0.9 }],
      ['output', video],
      ['uploaded', {}],
      ['complete', {}],
      ['fail', { message: 'late' }],
      ['abort', {}],
    ] as const) {
      const late = await taskCall(frozen.token, first, action, body);
      expect(late.status, action).toBe(409);
      expect(late.body.error.code, action).toBe('LEASE_LOST');
    }
    expect((await taskCall(healthy.token, second, 'output', video)).status).toBe(200);
    expect((await taskCall(healthy.token, second, 'complete')).body.status).toBe('SUCCESS');
    expect((await api('GET', `/video/tasks/${taskId}`)).body).toMatchObject({ status: 'SUCCESS', progress: 1 });
  });

  it('tells the runner through the heartbeat that its task was cancelled, then refuses its writes', async () => {
    const { token } = await addRunner(server);
    const taskId = await submit();
    const task = await claimTask(token, taskId);
    expect((await api('DELETE', `/video/tasks/${taskId}`)).body.error).toMatchObject({ code: 'CANCELLED' });
    const beat = await taskCall(token, task, 'heartbeat', { progress: 0.5 });
    expect(beat.status).toBe(200);
    expect(beat.body).toEqual({ cancelled: true, leaseExpiresAt: null });
    const upload = await taskCall(token, task, 'output', video);
    expect(upload.status).toBe(409);
    expect(upload.body.error.code).toBe('LEASE_LOST');
    expect((await api('GET', `/video/tasks/${taskId}`)).body.error.code).toBe('CANCELLED');
  });

  it('answers 409 LEASE_LOST for a missing or made-up lease token, 404 for an unknown task', async () => {
    const { token } = await addRunner(server);
    const taskId = await submit();
    const task = await claimTask(token, taskId);
    const none = await runnerCall(server, token, 'POST', `/tasks/${taskId}/heartbeat`, { body: { progress: 0.1 } });
    expect(none.body.error.code).toBe('LEASE_LOST');
    const madeUp = await taskCall(token, { taskId, leaseToken: 'x'.repeat(24) }, 'heartbeat', { progress: 0.1 });
    expect(madeUp.body.error.code).toBe('LEASE_LOST');
    const unknown = await taskCall(token, { taskId: 'A'.repeat(22), leaseToken: task.leaseToken }, 'complete');
    expect(unknown.status).toBe(404);
    expect(unknown.body.error.code).toBe('TASK_NOT_FOUND');
    await taskCall(token, task, 'abort');
    await api('DELETE', `/video/tasks/${taskId}`);
  });
});

describe('fail and abort', () => {
  it('retries a retryable failure with a new attempt and ends a non-retryable one with its code and message', async () => {
    const { token } = await addRunner(server);
    const taskId = await submit();
    const first = await claimTask(token, taskId);
    const retried = await taskCall(token, first, 'fail', { code: 'ENGINE_FAILED', message: 'CUDA out of memory' });
    expect(retried.body).toEqual({ status: 'PENDING' });
    const second = await claimTask(token, taskId);
    expect(second.attempt).toBe(2);
    const failed = await taskCall(token, second, 'fail', {
      code: 'SOURCE_UNSUPPORTED',
      message: 'this model cannot take a 9:16 image',
      retryable: false,
    });
    expect(failed.body).toEqual({ status: 'FAIL' });
    expect((await api('GET', `/video/tasks/${taskId}`)).body).toMatchObject({
      status: 'FAIL',
      error: { code: 'SOURCE_UNSUPPORTED', message: 'this model cannot take a 9:16 image' },
    });
  });

  it("holds a retry back for the runner's retryAfterMs", async () => {
    const { token } = await addRunner(server);
    const taskId = await submit();
    const first = await claimTask(token, taskId);
    const retried = await taskCall(token, first, 'fail', { message: 'GPU busy', retryAfterMs: 60_000 });
    expect(retried.body).toEqual({ status: 'PENDING' });
    const next = await claim(token, { waitMs: 300 });
    expect(next?.taskId).not.toBe(taskId);
    if (next) await taskCall(token, next, 'abort');
    const invalid = await taskCall(token, first, 'fail', { message: 'x', retryAfterMs: -1 });
    expect(invalid.status).toBe(400);
    await api('DELETE', `/video/tasks/${taskId}`);
  });

  it('abort gives the task back at once without counting the attempt', async () => {
    const { token } = await addRunner(server);
    const taskId = await submit();
    const first = await claimTask(token, taskId);
    expect((await taskCall(token, first, 'abort', { reason: 'runner stopping' })).body).toEqual({ status: 'PENDING' });
    expect((await api('GET', `/video/tasks/${taskId}`)).body.status).toBe('PENDING');
    const again = await claimTask(token, taskId);
    expect(again.attempt).toBe(1);
    await taskCall(token, again, 'abort');
    await api('DELETE', `/video/tasks/${taskId}`);
  });

  it('validates fail bodies: CANCELLED and TIMEOUT are not a runner’s to give, a message is required', async () => {
    const { token } = await addRunner(server);
    const taskId = await submit();
    const task = await claimTask(token, taskId);
    for (const body of [
      { code: 'CANCELLED', message: 'x' },
      { code: 'TIMEOUT', message: 'x' },
      { message: '  ' },
      {},
    ]) {
      const response = await taskCall(token, task, 'fail', body);
      expect(response.status, JSON.stringify(body)).toBe(400);
      expect(response.body.error.code).toBe('INVALID_PARAMETER');
    }
    await taskCall(token, task, 'abort');
    await api('DELETE', `/video/tasks/${taskId}`);
  });
});

describe('uploads are untrusted', () => {
  let token: string;
  let task: { taskId: string; leaseToken: string };
  let keepAlive: NodeJS.Timeout;
  beforeAll(async () => {
    ({ token } = await addRunner(server));
    task = await claimTask(token, await submit());
    // The tests below share one lease (1.5 s): heartbeat as a runner does, so a slow probe on a
    // busy machine does not cost it.
    keepAlive = setInterval(() => void taskCall(token, task, 'heartbeat', { progress: 0.1 }).catch(() => {}), 300);
  });
  afterAll(async () => {
    clearInterval(keepAlive);
    await taskCall(token, task, 'abort');
    await api('DELETE', `/video/tasks/${task.taskId}`);
  });

  it('refuses an upload over the size limit with 413', async () => {
    const big = new Uint8Array(2 * 1024 * 1024 + 1);
    big.set(video);
    const response = await taskCall(token, task, 'output', big);
    expect(response.status).toBe(413);
    expect(response.body.error.code).toBe('PAYLOAD_TOO_LARGE');
  });

  it('refuses bytes that are not an MP4 video with 422 OUTPUT_INVALID', async () => {
    for (const file of [fixtures.png, fixtures.webm, fixtures.truncatedMp4]) {
      const response = await taskCall(token, task, 'output', new Uint8Array(await readFile(file)));
      expect(response.status, file).toBe(422);
      expect(response.body.error.code).toBe('OUTPUT_INVALID');
    }
    const text = await taskCall(token, task, 'output', new TextEncoder().encode('<html>not a video</html>'.repeat(10)));
    expect(text.status).toBe(422);
    const empty = await taskCall(token, task, 'output', new Uint8Array(0));
    expect(empty.status).toBe(422);
  });

  it('requires Content-Type: video/mp4', async () => {
    const response = await runnerCall(server, token, 'PUT', `/tasks/${task.taskId}/output`, {
      leaseToken: task.leaseToken,
      body: { not: 'a video' },
    });
    expect(response.status).toBe(415);
    expect(response.body.error.code).toBe('UNSUPPORTED_MEDIA_TYPE');
  });

  it('a refused upload leaves nothing to complete; a later good upload replaces an earlier one', async () => {
    const complete = await taskCall(token, task, 'complete');
    expect(complete.body.error.code).toBe('OUTPUT_MISSING');
    const silent = new Uint8Array(await readFile(fixtures.mp4Silent));
    expect((await taskCall(token, task, 'output', video)).body.video.width).toBe(160);
    expect((await taskCall(token, task, 'output', silent)).body.video).toMatchObject({ height: 90, hasAudio: false });
  });
});

describe('runner tokens', () => {
  it('refuses a revoked token at once, on claims and on the tasks it holds', async () => {
    const { token, id } = await addRunner(server);
    const taskId = await submit();
    const task = await claimTask(token, taskId);
    const revoked = await revokeRunner(server, id);
    expect(revoked.revokedAt).toEqual(expect.any(Number));
    for (const response of [
      await runnerCall(server, token, 'POST', '/claim', { body: { waitMs: 0 } }),
      await taskCall(token, task, 'heartbeat', { progress: 0.5 }),
    ]) {
      expect(response.status).toBe(401);
      expect(response.body.error.code).toBe('UNAUTHORIZED');
    }
    await api('DELETE', `/video/tasks/${taskId}`);
  });

  it('keeps runner tokens and access keys apart', async () => {
    const asRunner = await runnerCall(server, server.key, 'POST', '/claim', { body: { waitMs: 0 } });
    expect(asRunner.status).toBe(401);
    const { token } = await addRunner(server);
    const asClient = await server.call('GET', `${server.basePath}/${endpointPath}/video/tasks`, undefined, {
      authorization: `Bearer ${token}`,
    });
    expect(asClient.status).toBe(401);
    for (const authorization of ['', 'Bearer', 'Basic abc', `Bearer ${token}x`]) {
      const response = await runnerCall(server, token, 'POST', '/claim', { body: {}, headers: { authorization } });
      expect(response.status, authorization).toBe(401);
    }
  });

  it('holds a runner to its engines, operations and concurrency', async () => {
    const { token } = await addRunner(server, { engines: ['preview'], operations: ['generate'], concurrency: 1 });
    const wrongEngine = await runnerCall(server, token, 'POST', '/claim', { body: { engines: ['wan2.2'], waitMs: 0 } });
    expect(wrongEngine.status).toBe(403);
    expect(wrongEngine.body.error).toMatchObject({ code: 'FORBIDDEN', message: expect.stringContaining('wan2.2') });
    const wrongOp = await runnerCall(server, token, 'POST', '/claim', { body: { operations: ['extend'], waitMs: 0 } });
    expect(wrongOp.status).toBe(403);

    const taskId = await submit();
    const held = await claimTask(token, taskId);
    const second = await runnerCall(server, token, 'POST', '/claim', { body: { waitMs: 0 } });
    expect(second.status).toBe(429);
    expect(second.body.error.code).toBe('RUNNER_AT_CAPACITY');
    expect(second.headers.get('retry-after')).toBe('1');
    await taskCall(token, held, 'abort');
    await api('DELETE', `/video/tasks/${taskId}`);
  });

  it('validates claim and heartbeat bodies', async () => {
    const { token } = await addRunner(server);
    for (const body of [
      { waitMs: 30_001 },
      { waitMs: -1 },
      { waitMs: '5' },
      { engines: [] },
      { engines: ['UPPER'] },
      { extra: 1 },
    ]) {
      const response = await runnerCall(server, token, 'POST', '/claim', { body });
      expect(response.status, JSON.stringify(body)).toBe(400);
      expect(response.body.error.code).toBe('INVALID_PARAMETER');
    }
    const taskId = await submit();
    const task = await claimTask(token, taskId);
    for (const body of [{ progress: 1.5 }, { progress: 'half' }, {}, { progress: 0.5, stage: 'x'.repeat(65) }]) {
      const response = await taskCall(token, task, 'heartbeat', body);
      expect(response.status, JSON.stringify(body)).toBe(400);
    }
    await taskCall(token, task, 'abort');
    await api('DELETE', `/video/tasks/${taskId}`);
  });
});

describe('sources', () => {
  it('hands a runner the already-fetched source behind a signed URL, and deletes it when the task ends', async () => {
    // The source is a result of this server: read from the result store, not fetched over the network.
    // A fixed seed: the clip's size varies with the scene, and a random one went past this server's 2 MiB.
    const preview = previewClient(server);
    const { task: source } = await preview.finish(
      await preview.submit('generate', { prompt: 'source clip', settings: { seed: 7 } }),
    );
    expect(source.status).toBe('SUCCESS');

    // A family of its own, so no other test's task is claimed here.
    const path = await addRunnerEndpoint(server, 'source-check');
    const { token } = await addRunner(server, { engines: ['source-check'] });
    const submitted = await server.call('POST', `${server.basePath}/${path}/video/upscale`, {
      config: { sourceVideo: source.mediaUrl },
    });
    const taskId = submitted.body.taskId;
    const task = await claim(token, { waitMs: 10_000 });
    expect(
      task?.taskId,
      JSON.stringify((await server.call('GET', `${server.basePath}/${path}/video/tasks/${taskId}`)).body),
    ).toBe(taskId);
    expect(task.source).toMatchObject({ kind: 'video', contentType: 'video/mp4', size: expect.any(Number) });
    expect(task.source.url).toContain('/v1/runner/sources/');

    const download = await fetch(task.source.url);
    expect(download.status).toBe(200);
    const original = Buffer.from(await (await fetch(source.mediaUrl)).arrayBuffer());
    // Buffer.equals, not toEqual: a deep compare of megabytes would block the event loop past the lease.
    expect(Buffer.from(await download.arrayBuffer()).equals(original)).toBe(true);

    const tampered = task.source.url.replace(/sig=[^&]+/, `sig=${'A'.repeat(43)}`);
    expect((await fetch(tampered)).status).toBe(403);
    // A source URL is not a media URL, and a media URL is not a source URL.
    const asMedia = `${server.url}/v1/media/${taskId}.mp4${new URL(task.source.url).search}`;
    expect((await fetch(asMedia)).status).toBe(403);

    expect((await taskCall(token, task, 'output', video)).status).toBe(200);
    expect((await taskCall(token, task, 'complete')).body.status).toBe('SUCCESS');
    expect((await fetch(task.source.url)).status).toBe(404);
  }, 60_000);

  it('fails a task whose source the server cannot fetch without a runner ever seeing it', async () => {
    // A family of its own, so no other test's task is claimed here.
    const path = await addRunnerEndpoint(server, 'fetch-check');
    const { token } = await addRunner(server, { engines: ['fetch-check'] });
    const submitted = await server.call('POST', `${server.basePath}/${path}/video/generate`, {
      prompt: 'from an image',
      config: { sourceImage: 'http://127.0.0.1:9/image.png' },
    });
    const url = `${server.basePath}/${path}/video/tasks/${submitted.body.taskId}`;
    // Refused connections are transient: each claim spends one attempt (3 by default), then it FAILs.
    for (let i = 0; i < 10 && (await server.call('GET', url)).body.status !== 'FAIL'; i++) {
      expect(await claim(token, { waitMs: 300 })).toBeNull();
    }
    expect((await server.call('GET', url)).body).toMatchObject({
      status: 'FAIL',
      error: { code: 'SOURCE_FETCH_FAILED' },
    });
  });
});

describe('without runners', () => {
  it('keeps a runner task PENDING until its deadline, then FAILs it with TIMEOUT', async () => {
    const short = await startTestServer({ env: { VIDFORGE_TASK_TIMEOUT_MS: '600' } });
    try {
      const path = await addRunnerEndpoint(short, 'ltx-video');
      const submitted = await short.call('POST', `${short.basePath}/${path}/video/generate`, { prompt: 'waits' });
      const url = `${short.basePath}/${path}/video/tasks/${submitted.body.taskId}`;
      expect((await short.call('GET', url)).body.status).toBe('PENDING');
      let task: any;
      for (let i = 0; i < 100 && task?.status !== 'FAIL'; i++) {
        await new Promise((resolve) => setTimeout(resolve, 50));
        task = (await short.call('GET', url)).body;
      }
      expect(task).toMatchObject({ status: 'FAIL', progress: 0, error: { code: 'TIMEOUT' } });
    } finally {
      await short.stop();
    }
  });
});
