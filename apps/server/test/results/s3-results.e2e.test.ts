/**
 * A server whose results live on S3 (moto, or VIDFORGE_TEST_S3_ENDPOINT): the preview engine's
 * video is uploaded to the bucket, the task's mediaUrl is a presigned GET that downloads it from the
 * object store directly, retention deletes the object, and an unusable or vanished S3 fails the boot
 * or the task cleanly.
 */
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config/load-config.ts';
import { startServer } from '../../src/main.ts';
import { probe } from '../engines/preview-helpers.ts';
import { downloadTo, previewClient } from '../media/e2e-support.ts';
import {
  FAST_SETTINGS,
  pollTask,
  shiftableClock,
  startTestServer,
  type TestServer,
  tempDir,
} from '../support/index.ts';
import { openTestS3BlobStore, s3Env, s3UrlExpiry, startTestS3, type TestS3 } from '../support/s3-server.ts';

let s3: TestS3;
let downloads: Awaited<ReturnType<typeof tempDir>>;
beforeAll(async () => {
  [s3, downloads] = await Promise.all([startTestS3(), tempDir('vidforge-s3-e2e-')]);
});
afterAll(async () => {
  await s3?.stop();
  await downloads?.remove();
});

describe('results on S3', () => {
  const clock = shiftableClock();
  let server: TestServer;
  let bucket: string;
  let task: { taskId: string; mediaUrl: string; expireTime: number };
  beforeAll(async () => {
    bucket = await s3.createBucket();
    server = await startTestServer({ clock, env: { ...s3Env(s3, bucket), VIDFORGE_RETENTION_MS: '600000' } });
    const client = previewClient(server);
    const taskId = await client.submit('generate', {
      prompt: 'A lighthouse at dusk',
      settings: { seed: 7, duration: 2 },
    });
    task = (await client.finish(taskId)).task;
  });
  afterAll(() => server?.stop());

  it('completes a task whose mediaUrl downloads from the bucket directly and is a video', async () => {
    expect(task).toMatchObject({ status: 'SUCCESS', progress: 1 });
    expect(task.mediaUrl.startsWith(`${s3.endpoint}/${bucket}/results/${task.taskId}/1.mp4?`)).toBe(true);
    const video = await probe(await downloadTo(downloads.path, task.mediaUrl));
    expect(video).toMatchObject({ codec: 'h264', width: 1280, height: 720 });
    const part = await fetch(task.mediaUrl, { headers: { range: 'bytes=0-99' } });
    expect(part.status).toBe(206);
    expect((await part.arrayBuffer()).byteLength).toBe(100);
    // Nothing went to the local media directory.
    expect(await readdir(join(server.dataDir, 'media')).catch(() => [])).toEqual([]);
  });

  it("gives expireTime as the presigned URL's own expiry, capped at the retention end", () => {
    expect(task.expireTime).toBe(s3UrlExpiry(task.mediaUrl));
    // Retention (10 minutes) ends before the media URL lifetime (1 hour) would.
    expect(task.expireTime).toBeLessThanOrEqual(clock.now() + 600_000);
    expect(task.expireTime).toBeGreaterThan(clock.now() + 600_000 - 60_000);
  });

  it('never signs past retention, then deletes the object and gives no URL', async () => {
    clock.advance(600_000 - 30_000);
    const near = (
      await server.call('GET', `${server.basePath}/${server.previewEndpointPath}/video/tasks/${task.taskId}`)
    ).body;
    expect(near.expireTime).toBeLessThanOrEqual(clock.now() + 30_000);
    expect(near.expireTime).toBe(s3UrlExpiry(near.mediaUrl));
    clock.advance(31_000);
    const blobs = openTestS3BlobStore(s3, bucket);
    try {
      const key = `results/${task.taskId}/1.mp4`;
      const deadline = Date.now() + 10_000;
      while ((await blobs.stat(key)) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      expect(await blobs.stat(key)).toBeNull();
    } finally {
      blobs.close();
    }
    const after = (
      await server.call('GET', `${server.basePath}/${server.previewEndpointPath}/video/tasks/${task.taskId}`)
    ).body;
    expect(after).toMatchObject({ status: 'SUCCESS', mediaUrl: null, expireTime: null });
  });
});

describe('an unusable S3', () => {
  it('stops the boot with one configuration error naming the bucket and the endpoint', async () => {
    const dir = await tempDir();
    try {
      const config = loadConfig({
        env: { ...FAST_SETTINGS, VIDFORGE_DATA_DIR: dir.path, ...s3Env(s3, 'vidforge-missing-bucket') },
      });
      const error = await startServer(config, { log: pino({ level: 'silent' }) }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ConfigError);
      expect((error as ConfigError).problems).toEqual([
        `s3Bucket (VIDFORGE_S3_BUCKET): bucket "vidforge-missing-bucket" at ${s3.endpoint} does not exist; create it first`,
      ]);
    } finally {
      await dir.remove();
    }
  });

  it('fails a task through the retry policy when S3 goes away, and the server stays up', async () => {
    const doomed = await startTestS3({ killable: true });
    const server = await startTestServer({
      env: { ...s3Env(doomed, await doomed.createBucket()), VIDFORGE_MAX_ATTEMPTS: '2' },
    });
    try {
      doomed.kill();
      const { body } = await server.call('POST', '/video/generate', { prompt: 'test: steps=1' });
      const { task } = await pollTask(server, body.taskId);
      expect(task).toMatchObject({ status: 'FAIL', error: { code: 'ENGINE_FAILED' } });
      expect(JSON.stringify(task.error)).not.toMatch(/ECONNREFUSED|127\.0\.0\.1|bucket/);
      expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
    } finally {
      await server.stop();
      await doomed.stop();
    }
  });
});
