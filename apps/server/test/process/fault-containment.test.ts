/**
 * A fault inside one task's work fails that task and nothing else: the server process lives on and
 * serves the next task. Both faults here ended the process before: an exception thrown from a
 * timer outside the engine's promise chain, and undici 7's `assert(!this.paused)` on a source that
 * sends a whole response with `Connection: close` and ends the socket at once.
 */

import { readFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ffmpeg } from '../media/fixtures.ts';
import { tempDir } from '../support/index.ts';
import { type ChildServer, prepareTestAccess, spawnServer } from './child-server.ts';

let dir: Awaited<ReturnType<typeof tempDir>>;
let server: ChildServer;
let source: Server;
let sourceUrl: string;
let key: string;
const TEST_EP = 'testengine';
const PREVIEW_EP = 'previewengine';

/** Answers every request with the whole file and `Connection: close`, then ends the socket at once. */
function startClosingSource(body: Buffer): Promise<Server> {
  const server = createServer((socket) => {
    socket.on('error', () => {});
    socket.once('data', () => {
      const head = `HTTP/1.1 200 OK\r\nContent-Type: image/png\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n`;
      socket.end(Buffer.concat([Buffer.from(head), body]));
    });
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

async function call(path: string, init: RequestInit = {}) {
  const response = await fetch(`${server.url}/v1/ai/${path}`, {
    ...init,
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
  });
  return { status: response.status, body: (await response.json()) as Record<string, any> };
}

async function finish(endpoint: string, body: unknown, timeoutMs = 60_000) {
  const { status, body: created } = await call(`${endpoint}/video/generate`, {
    method: 'POST',
    body: JSON.stringify(body),
  });
  expect(status, JSON.stringify(created)).toBe(200);
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { body: task } = await call(`${endpoint}/video/tasks/${created.taskId}`);
    if (task.status === 'SUCCESS' || task.status === 'FAIL') return task;
    if (Date.now() > deadline) throw new Error(`task still ${task.status}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

beforeAll(async () => {
  dir = await tempDir();
  // Noise does not compress: about 12 MB, so the socket ends while the download is still paused.
  const png = join(dir.path, 'noise.png');
  await ffmpeg(
    '-f',
    'lavfi',
    '-i',
    'nullsrc=s=2048x2048,geq=random(1)*255:random(2)*255:random(3)*255',
    '-frames:v',
    '1',
    png,
  );
  source = await startClosingSource(await readFile(png));
  sourceUrl = `http://127.0.0.1:${(source.address() as AddressInfo).port}/noise.png`;
  ({ key } = prepareTestAccess(dir.path, TEST_EP, { previewPath: PREVIEW_EP }));
  server = await spawnServer({
    VIDFORGE_DATA_DIR: join(dir.path, ''),
    VIDFORGE_FETCH_ALLOW: new URL(sourceUrl).host,
    VIDFORGE_MAX_ATTEMPTS: '3',
  });
}, 60_000);

afterAll(async () => {
  server?.child.kill('SIGKILL');
  await server?.exited;
  await new Promise((r) => source?.close(r));
  await dir?.remove();
});

describe('fault containment', () => {
  it('an exception thrown outside the engine promise fails that task once; the server serves the next', async () => {
    const task = await finish(TEST_EP, { prompt: 'test: escape=true' });
    expect(task).toMatchObject({ status: 'FAIL', error: { code: 'INTERNAL_ERROR' } });
    expect(server.child.exitCode).toBeNull();
    expect(await finish(TEST_EP, { prompt: 'test: steps=2' })).toMatchObject({ status: 'SUCCESS' });
  });

  it('a source that ends the socket right after a whole response does not crash the server', async () => {
    const task = await finish(PREVIEW_EP, { prompt: 'noise', config: { sourceImage: sourceUrl } });
    expect(task.status, JSON.stringify(task.error)).toBe('SUCCESS');
    expect(server.child.exitCode).toBeNull();
    expect(server.output()).not.toContain('uncaught exception');
  }, 120_000);
});
