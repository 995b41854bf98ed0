/**
 * Uploads straight to the object store (docs/runner-protocol.md, "Upload to the object store"),
 * against moto's S3 and a real server: the claim offers a presigned PUT for the attempt's own key,
 * `uploaded` checks the object like an API upload, a bad object fails the attempt and is deleted,
 * a stale runner cannot commit, and the URL cannot replace an object once it exists.
 */
import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { S3BlobStore } from '../../src/adapters/blob-s3/index.ts';
import { createS3Client } from '../../src/adapters/blob-s3/s3-client.ts';
import { systemClock } from '../../src/ports/clock.ts';
import { type Fixtures, makeFixtures } from '../media/fixtures.ts';
import { addRunner, addRunnerEndpoint, runnerCall, startTestServer, type TestServer } from '../support/index.ts';
import { openTestS3BlobStore, s3Env, s3UrlExpiry, startTestS3, type TestS3 } from '../support/s3-server.ts';

const MAX_BYTES = 2 * 1024 * 1024;
let s3: TestS3;
let bucket: string;
let blobs: S3BlobStore;
let server: TestServer;
let fixtures: Fixtures;
let video: Uint8Array;

beforeAll(async () => {
  [s3, fixtures] = await Promise.all([startTestS3(), makeFixtures()]);
  bucket = await s3.createBucket();
  blobs = openTestS3BlobStore(s3, bucket);
  server = await startTestServer({
    env: {
      ...s3Env(s3, bucket),
      VIDFORGE_LEASE_MS: '1500',
      VIDFORGE_WORKERS: '0',
      VIDFORGE_MAX_ATTEMPTS: '2',
      VIDFORGE_VIDEO_MAX_BYTES: String(MAX_BYTES),
    },
  });
  video = await readFile(fixtures.mp4);
}, 60_000);
afterAll(async () => {
  blobs?.close();
  await server?.stop();
  await s3?.stop();
  await fixtures?.remove();
});

interface Claimed {
  /** The endpoint it was submitted to, for the client's view of it. */
  endpointPath: string;
  taskId: string;
  leaseToken: string;
  attempt: number;
  deadlineAt: number;
  output: { upload: { method: string; url: string; headers: Record<string, string>; expiresAt: number } };
}

let families = 0;
/** A new task claimed by a new runner, in a family of its own: no runner meets another test's task. */
async function claimed(): Promise<{ token: string; task: Claimed }> {
  const family = `put-${++families}`;
  const endpointPath = await addRunnerEndpoint(server, family);
  const { token } = await addRunner(server, { engines: [family] });
  const created = await server.call('POST', `${server.basePath}/${endpointPath}/video/generate`, {
    prompt: 'a lighthouse at dusk',
  });
  expect(created.status).toBe(200);
  const response = await runnerCall(server, token, 'POST', '/claim', { body: { waitMs: 5000 } });
  expect(response.body.task?.taskId).toBe(created.body.taskId);
  return { token, task: { ...response.body.task, endpointPath } };
}

const stateOf = async (task: Claimed) =>
  (await server.call('GET', `${server.basePath}/${task.endpointPath}/video/tasks/${task.taskId}`)).body;

/** A PUT to the presigned URL with the headers it asks for (and Content-Length, from fetch). */
const put = (task: Claimed, body: Uint8Array, headers: Record<string, string> = {}) =>
  fetch(task.output.upload.url, {
    method: 'PUT',
    headers: { ...task.output.upload.headers, ...headers },
    body: body as Uint8Array<ArrayBuffer>,
  });

const call = (token: string, task: Claimed, action: string) =>
  runnerCall(server, token, 'POST', `/tasks/${task.taskId}/${action}`, { leaseToken: task.leaseToken, body: {} });

const keyOf = (task: Claimed) => `results/${task.taskId}/${task.attempt}.mp4`;

describe('the claim', () => {
  it("offers a path-style presigned PUT for the attempt's own key, valid until the deadline", async () => {
    const { token, task } = await claimed();
    const upload = task.output.upload;
    expect(upload.method).toBe('PUT');
    expect(upload.url.startsWith(`${s3.endpoint}/${bucket}/${keyOf(task)}?`)).toBe(true);
    expect(upload.headers).toEqual({ 'content-type': 'video/mp4', 'if-none-match': '*' });
    const signed = new URL(upload.url).searchParams.get('X-Amz-SignedHeaders')?.split(';');
    expect(signed).toEqual(expect.arrayContaining(['content-type', 'host', 'if-none-match']));
    expect(upload.expiresAt).toBe(s3UrlExpiry(upload.url));
    expect(upload.expiresAt).toBeLessThanOrEqual(task.deadlineAt);
    expect(upload.expiresAt).toBeGreaterThan(task.deadlineAt - 2000);
    await call(token, task, 'abort');
  });
});

describe('a result uploaded to the object store', () => {
  it('is checked, staged and committed; the bucket object is the one the client downloads', async () => {
    const { token, task } = await claimed();
    expect((await call(token, task, 'uploaded')).body.error.code).toBe('OUTPUT_MISSING');
    expect((await put(task, video)).status).toBe(200);
    const uploaded = await call(token, task, 'uploaded');
    expect(uploaded.status, JSON.stringify(uploaded.body)).toBe(200);
    expect(uploaded.body).toEqual({
      size: video.byteLength,
      video: { width: 160, height: 120, fps: 24, durationSeconds: 1, hasAudio: true },
    });
    // The URL writes once: the checked object cannot be replaced behind the server's back.
    const again = await put(task, new Uint8Array(100));
    expect(again.status).toBe(412);
    expect((await call(token, task, 'complete')).body).toEqual({ status: 'SUCCESS' });
    const done = await stateOf(task);
    expect(done).toMatchObject({ status: 'SUCCESS', video: uploaded.body.video });
    expect(done.mediaUrl.startsWith(`${s3.endpoint}/${bucket}/${keyOf(task)}?`)).toBe(true);
    const media = Buffer.from(await (await fetch(done.mediaUrl)).arrayBuffer());
    expect(media.equals(video)).toBe(true);
  });
});

describe('a hostile object fails the attempt with a clear code and is deleted', () => {
  async function rejected(body: Uint8Array, headers: Record<string, string> = {}) {
    const { token, task } = await claimed();
    expect((await put(task, body, headers)).status).toBe(200);
    const answer = await call(token, task, 'uploaded');
    expect(await blobs.stat(keyOf(task))).toBeNull();
    const state = await stateOf(task);
    // The attempt is over: nothing more from this runner is accepted.
    expect((await call(token, task, 'complete')).body.error.code).toBe('LEASE_LOST');
    return { answer, state, token, task };
  }

  it('garbage bytes: 422 OUTPUT_INVALID, and the task is retried', async () => {
    const { answer, state } = await rejected(new TextEncoder().encode('<html>not a video</html>'.repeat(20)));
    expect(answer.status).toBe(422);
    expect(answer.body.error.code).toBe('OUTPUT_INVALID');
    expect(answer.body.error.message).toMatch(/this attempt failed \(task PENDING\)/);
    expect(state.status).toBe('PENDING');
  });

  it('a PNG, a WebM, a truncated MP4 and an empty object: OUTPUT_INVALID', async () => {
    for (const file of [fixtures.png, fixtures.webm, fixtures.truncatedMp4]) {
      const { answer } = await rejected(new Uint8Array(await readFile(file)));
      expect(answer.status, file).toBe(422);
      expect(answer.body.error.code).toBe('OUTPUT_INVALID');
    }
    const { answer } = await rejected(new Uint8Array(0));
    expect(answer.body.error.code).toBe('OUTPUT_INVALID');
  });

  it('an object over the size limit: 413 PAYLOAD_TOO_LARGE, the task FAILs without another attempt', async () => {
    const big = new Uint8Array(MAX_BYTES + 1);
    big.set(video);
    const { answer, state } = await rejected(big);
    expect(answer.status).toBe(413);
    expect(answer.body.error.code).toBe('PAYLOAD_TOO_LARGE');
    expect(state).toMatchObject({ status: 'FAIL', error: { code: 'OUTPUT_INVALID' } });
    expect(state.error.message).toMatch(/more than the limit of 2097152/);
  });

  it('a valid video stored as another type or encoding: OUTPUT_INVALID', async () => {
    const stored: Record<string, string>[] = [{ 'content-type': 'text/html' }, { 'content-encoding': 'gzip' }];
    for (const headers of stored) {
      const { answer } = await rejected(video, headers);
      expect(answer.status, JSON.stringify(headers)).toBe(422);
      expect(answer.body.error.message).toMatch(/stored (as "text\/html"|with Content-Encoding "gzip")/);
    }
  });
});

describe('a stale runner', () => {
  it('cannot commit after its lease was reaped; its object is left for the orphan sweeper', async () => {
    const { token, task } = await claimed();
    // No heartbeat for longer than the lease (1.5 s): the reaper takes the task back.
    const deadline = Date.now() + 10_000;
    while ((await stateOf(task)).status !== 'PENDING' && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect((await put(task, video)).status).toBe(200);
    for (const action of ['uploaded', 'complete']) {
      const late = await call(token, task, action);
      expect(late.status, action).toBe(409);
      expect(late.body.error.code, action).toBe('LEASE_LOST');
    }
    expect(await blobs.stat(keyOf(task))).toMatchObject({ size: video.byteLength });
    expect((await stateOf(task)).status).toBe('PENDING');
    await server.call('DELETE', `${server.basePath}/${task.endpointPath}/video/tasks/${task.taskId}`);
  });
});
