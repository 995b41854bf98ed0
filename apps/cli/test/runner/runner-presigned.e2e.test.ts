/**
 * `vidforge runner` against a server whose results live on S3 (moto): the runner uploads its video
 * straight to the bucket through the claim's presigned PUT and never through the API. A counting
 * proxy in front of the server sees every call the runner makes.
 */
import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Task } from '@vidforge/sdk';
import {
  addRunner,
  addRunnerEndpoint,
  s3Env,
  startTestS3,
  startTestServer,
  type TestS3,
  type TestServer,
} from '@vidforge/server/testing';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { clientOf, eventually, killAll, spawnRunner } from './support.ts';

let s3: TestS3;
let bucket: string;
let server: TestServer;
let proxy: { url: string; seen: string[]; close(): Promise<void> };

beforeAll(async () => {
  s3 = await startTestS3();
  bucket = await s3.createBucket();
  server = await startTestServer({
    env: {
      ...s3Env(s3, bucket),
      VIDFORGE_LEASE_MS: '30000',
    },
  });
  proxy = await countingProxy(server.url);
}, 60_000);
afterEach(killAll);
afterAll(async () => {
  await proxy?.close();
  await server?.stop();
  await s3?.stop();
});

/** Forwards every request to `target` as is, and records its method and path. */
async function countingProxy(target: string): Promise<typeof proxy> {
  const seen: string[] = [];
  const upstream = new URL(target);
  const http: Server = createServer((req, res) => {
    seen.push(`${req.method} ${req.url}`);
    const forward = httpRequest(
      { host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: req.headers },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    forward.on('error', () => res.destroy());
    req.pipe(forward);
  });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(http.address() as AddressInfo).port}`,
    seen,
    close: () =>
      new Promise<void>((resolve) => {
        http.closeAllConnections();
        http.close(() => resolve());
      }),
  };
}

describe('vidforge runner with results on S3', () => {
  it('uploads the video to the bucket through the presigned PUT, never through the API', async () => {
    const endpointPath = await addRunnerEndpoint(server, 'direct');
    const { token } = await addRunner(server, { name: 'direct', engines: ['direct'] });
    const client = clientOf(server, endpointPath);
    const { taskId } = await client.generate({ prompt: 'Straight to the bucket', settings: { duration: 2 } });
    const runner = spawnRunner({ ...server, url: proxy.url }, token, ['--engines', 'direct']);
    const task = await eventually<Task>(async () => {
      const current = await client.getTask(taskId);
      return current.status === 'SUCCESS' || current.status === 'FAIL' ? current : undefined;
    }, 45_000);
    expect(task, runner.log()).toMatchObject({ status: 'SUCCESS', progress: 1 });
    await runner.waitFor(new RegExp(`task ${taskId} succeeded`));
    expect(runner.log()).toMatch(new RegExp(`task ${taskId} uploaded to the object store: \\d+ bytes, 1280x720, 2 s`));

    const calls = proxy.seen.filter((line) => line.includes(`/tasks/${taskId}/`));
    expect(calls).toContain(`POST /v1/runner/tasks/${taskId}/uploaded`);
    expect(calls).toContain(`POST /v1/runner/tasks/${taskId}/complete`);
    expect(proxy.seen.filter((line) => line.startsWith('PUT '))).toEqual([]);

    // The result is the object the runner put at its attempt's key, served from the bucket.
    expect(task.mediaUrl!.startsWith(`${s3.endpoint}/${bucket}/results/${taskId}/1.mp4?`)).toBe(true);
    const media = Buffer.from(await (await fetch(task.mediaUrl!)).arrayBuffer());
    expect(media.subarray(4, 8).toString('latin1')).toBe('ftyp');
    runner.child.kill('SIGTERM');
    await runner.exited;
  });
});
