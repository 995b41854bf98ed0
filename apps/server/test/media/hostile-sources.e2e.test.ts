/**
 * Hostile sources through the HTTP API: each task ends as FAIL with its specific code, the hostile
 * server's log shows what was (not) requested, and the server's memory stays bounded while it
 * refuses an endless 200 MB+ stream.
 */
import { readFile } from 'node:fs/promises';
import type { ServerResponse } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../support/index.ts';
import { previewClient } from './e2e-support.ts';
import { type Fixtures, makeFixtures, pngHeader } from './fixtures.ts';
import { type HostileServer, redirectTo, serveBytes, startHostileServer } from './hostile-server.ts';

let server: TestServer;
let hostile: HostileServer;
let forbidden: HostileServer;
let fixtures: Fixtures;
let client: ReturnType<typeof previewClient>;

/** Writes `chunk` until the client goes away or `limit` bytes were sent. */
function stream(res: ServerResponse, chunk: Buffer, intervalMs: number, limit = Number.POSITIVE_INFINITY) {
  let sent = 0;
  const timer = setInterval(() => {
    if (res.destroyed || sent >= limit) {
      clearInterval(timer);
      res.end();
      return;
    }
    res.write(chunk);
    sent += chunk.length;
  }, intervalMs);
  res.on('close', () => clearInterval(timer));
}

beforeAll(async () => {
  [hostile, forbidden, fixtures] = await Promise.all([
    startHostileServer('127.0.0.1'),
    startHostileServer('127.0.0.2'),
    makeFixtures(),
  ]);
  const mp4 = new Uint8Array(await readFile(fixtures.mp4));
  const mb = Buffer.alloc(1024 * 1024, 0x41);
  hostile.route('/endless.mp4', (_req, res) => {
    res.writeHead(200, { 'content-type': 'video/mp4' });
    res.write(Buffer.from(mp4.subarray(0, 64)));
    stream(res, mb, 0);
  });
  hostile.route('/trickle.png', (_req, res) => {
    res.writeHead(200, { 'content-type': 'image/png' });
    stream(res, Buffer.from([0x89]), 100);
  });
  hostile.route('/declared-huge.mp4', (_req, res) => {
    res.writeHead(200, { 'content-length': 300 * 1024 * 1024 });
    res.write(Buffer.from(mp4.subarray(0, 64)));
  });
  hostile.route('/to-forbidden.mp4', redirectTo(`${forbidden.origin}/secret.mp4`));
  hostile.route('/notes.jpg', serveBytes('not an image at all\n'.repeat(20), { 'content-type': 'image/jpeg' }));
  hostile.route(
    '/playlist.mp4',
    serveBytes(`#EXTM3U\n#EXT-X-TARGETDURATION:1\n#EXTINF:1,\nfile://${fixtures.secretTs}\n#EXT-X-ENDLIST\n`),
  );
  hostile.route('/truncated.mp4', serveBytes(new Uint8Array(await readFile(fixtures.truncatedMp4))));
  hostile.route('/empty.png', serveBytes(new Uint8Array(0)));
  hostile.route('/bomb.png', serveBytes(pngHeader(60_000, 60_000)));
  forbidden.route('/secret.mp4', serveBytes(mp4));
  server = await startTestServer({
    env: {
      VIDFORGE_FETCH_ALLOW: `127.0.0.1:${hostile.port}`,
      // Long enough for 200 MiB of the endless stream on a loaded 2-core machine; the trickle still hits it.
      VIDFORGE_FETCH_TIMEOUT_MS: '4000',
      VIDFORGE_FETCH_IDLE_TIMEOUT_MS: '1000',
      VIDFORGE_MAX_ATTEMPTS: '1',
    },
  });
  client = previewClient(server);
}, 60_000);

afterAll(async () => {
  await server?.stop();
  await Promise.all([hostile?.close(), forbidden?.close(), fixtures?.remove()]);
});

/** Bodies are built when a test runs: the servers' ports are known only after beforeAll. */
const video = (path: string) => () => ({
  config: { sourceVideo: path.startsWith('http') ? path : `${hostile.origin}${path}` },
});
const image = (path: string) => () => ({ prompt: 'x', config: { sourceImage: `${hostile.origin}${path}` } });

describe('hostile sources end the task with their code', () => {
  const cases: [string, 'upscale' | 'generate', () => unknown, string][] = [
    ['an endless stream', 'upscale', video('/endless.mp4'), 'SOURCE_TOO_LARGE'],
    ['a declared 300 MB file', 'upscale', video('/declared-huge.mp4'), 'SOURCE_TOO_LARGE'],
    ['a slow trickle', 'generate', image('/trickle.png'), 'SOURCE_FETCH_FAILED'],
    ['a redirect to a forbidden address', 'upscale', video('/to-forbidden.mp4'), 'SOURCE_FETCH_FAILED'],
    ['a text file named .jpg', 'generate', image('/notes.jpg'), 'SOURCE_UNSUPPORTED'],
    ['an HLS playlist named .mp4', 'upscale', video('/playlist.mp4'), 'SOURCE_UNSUPPORTED'],
    ['a truncated MP4', 'upscale', video('/truncated.mp4'), 'SOURCE_INVALID'],
    ['a zero-byte file', 'generate', image('/empty.png'), 'SOURCE_INVALID'],
    ['an image declaring 60000×60000', 'generate', image('/bomb.png'), 'SOURCE_TOO_LARGE'],
    ['a loopback address in decimal', 'upscale', video('http://2130706433/secret.mp4'), 'SOURCE_FETCH_FAILED'],
    ['a private address in hex', 'upscale', video('http://0x7f.0.0.2/secret.mp4'), 'SOURCE_FETCH_FAILED'],
    ['the metadata address', 'upscale', video('http://169.254.169.254/latest/meta-data/'), 'SOURCE_FETCH_FAILED'],
    ['an IPv4-mapped IPv6 loopback', 'upscale', video('http://[::ffff:127.0.0.2]/secret.mp4'), 'SOURCE_FETCH_FAILED'],
  ];

  it.each(cases)('%s → %s', async (_name, kind, body, code) => {
    const taskId = await client.submit(kind, body());
    const { task } = await client.finish(taskId, 30_000);
    expect(task).toMatchObject({ status: 'FAIL', error: { code }, mediaUrl: null, video: null });
    expect(task.error.message.length).toBeGreaterThan(10);
    expect(forbidden.requests).toHaveLength(0);
  });

  it('never read the local file the playlist pointed at, and kept memory bounded', async () => {
    expect(hostile.requests.some((r) => r.url.includes('secret'))).toBe(false);
    const before = process.memoryUsage().rss;
    const taskId = await client.submit('upscale', video('/endless.mp4')());
    let peak = before;
    const sampler = setInterval(() => {
      peak = Math.max(peak, process.memoryUsage().rss);
    }, 20);
    const { task } = await client.finish(taskId, 60_000);
    clearInterval(sampler);
    expect(task.error.code).toBe('SOURCE_TOO_LARGE');
    // 200 MiB went through the fetcher; the process grew by far less: nothing was buffered whole.
    expect(peak - before).toBeLessThan(64 * 1024 * 1024);
  });
});
