/** Downloads stream to disk, to Node and web streams, and survive expired media URLs. */
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import type { Task } from '@vidforge/sdk';
import { Vidforge as CoreVidforge } from '@vidforge/sdk';
import { shiftableClock, tempDir } from '@vidforge/server/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FAST_POLL, type SdkServer, startSdkServer } from './support/sdk-server.ts';

const clock = shiftableClock();
let env: SdkServer;
let dir: Awaited<ReturnType<typeof tempDir>>;

beforeAll(async () => {
  env = await startSdkServer({ clock });
  dir = await tempDir('vidforge-sdk-download-');
});
afterAll(async () => {
  await env.stop();
  await dir.remove();
});

async function reference(task: Task): Promise<Buffer> {
  return Buffer.from(await (await fetch(task.mediaUrl!)).arrayBuffer());
}

describe('downloadMedia', () => {
  it('streams to a file path, leaving no partial file behind', async () => {
    const client = env.client();
    const task = await client.generateAndWait({ prompt: 'test: size=300000' }, FAST_POLL);
    const path = join(dir.path, 'out.mp4');
    const result = await client.downloadMedia(task, path);
    expect(result).toMatchObject({ bytes: 300_000, path });
    expect((await readFile(path)).equals(await reference(task))).toBe(true);
    expect((await readdir(dir.path)).filter((f) => f.endsWith('.part'))).toEqual([]);
  });

  it('streams to a Node writable chunk by chunk, and by task id', async () => {
    const client = env.client();
    const { taskId } = await client.generateAndWait({ prompt: 'test: size=2000000' }, FAST_POLL);
    const chunks: number[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        chunks.push(chunk.length);
        done();
      },
    });
    const result = await client.downloadMedia(taskId, sink);
    expect(result.bytes).toBe(2_000_000);
    // Many chunks, none near the whole file: the body is streamed, not buffered first.
    expect(chunks.length).toBeGreaterThan(4);
    expect(Math.max(...chunks)).toBeLessThan(1_000_000);
  });

  it('the core client writes into a web WritableStream', async () => {
    const node = env.client();
    const task = await node.generateAndWait({ prompt: 'small' }, FAST_POLL);
    const core = new CoreVidforge({
      baseUrl: env.server.basePath,
      endpointPath: env.server.endpointPath,
      accessKey: env.server.key,
    });
    const parts: Uint8Array[] = [];
    const result = await core.downloadMedia(task, new WritableStream({ write: (chunk) => void parts.push(chunk) }));
    expect(Buffer.concat(parts).equals(await reference(task))).toBe(true);
    expect(result.bytes).toBe(64 * 1024);
  });

  it('refreshes a URL the server refuses as expired (403), by reading the task again', async () => {
    const client = env.client();
    const task = await client.generateAndWait({ prompt: 'expire me' }, FAST_POLL);
    const expected = await reference(task);
    clock.advance(2 * 60 * 60_000); // past the 1 h URL lifetime, well within the 7 day retention
    expect((await fetch(task.mediaUrl!)).status).toBe(403);
    const path = join(dir.path, 'refreshed.mp4');
    const result = await client.downloadMedia(task, path);
    expect(result.task.mediaUrl).not.toBe(task.mediaUrl);
    expect((await readFile(path)).equals(expected)).toBe(true);
  });

  it('refreshes first when expireTime has passed, without trying the stale URL', async () => {
    const client = env.client();
    const task = await client.generateAndWait({ prompt: 'stale object' }, FAST_POLL);
    // A URL nobody could fetch: if the SDK tried it, the download would fail.
    const stale: Task = { ...task, mediaUrl: 'http://127.0.0.1:9/never', expireTime: Date.now() - 1000 };
    const path = join(dir.path, 'stale.mp4');
    const result = await client.downloadMedia(stale, path);
    expect(result.task.mediaUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/v1\/media\//);
    expect((await stat(path)).size).toBe(64 * 1024);
  });

  it('an aborted download rejects with the reason and leaves nothing at the path', async () => {
    const client = env.client();
    const task = await client.generateAndWait({ prompt: 'test: size=20000000' }, FAST_POLL);
    const path = join(dir.path, 'aborted.mp4');
    const controller = new AbortController();
    const slow = new Writable({
      highWaterMark: 1024,
      write(_chunk, _encoding, done) {
        setTimeout(done, 5);
      },
    });
    setTimeout(() => controller.abort(new Error('enough')), 50);
    await expect(client.downloadMedia(task, slow, { signal: controller.signal })).rejects.toThrow('enough');
    // Into a file: whenever the abort lands, the path holds the whole video or nothing.
    const controller2 = new AbortController();
    setTimeout(() => controller2.abort(new Error('stop file')), 5);
    await client.downloadMedia(task, path, { signal: controller2.signal }).catch(() => {});
    const left = await readdir(dir.path);
    if (left.includes('aborted.mp4')) expect((await stat(path)).size).toBe(20_000_000);
    expect(left.filter((f) => f.endsWith('.part'))).toEqual([]);
  });
});
