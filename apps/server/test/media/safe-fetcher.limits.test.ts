/**
 * Download limits and the media checks that follow, through the real fetcher against a local
 * server: each hostile answer must end with its specific code.
 */
import { readdir, readFile } from 'node:fs/promises';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { SourceKind } from '../../src/engines/engine.ts';
import { type MediaConfigInput, parseMediaConfig } from '../../src/modules/media/media.config.ts';
import { createSafeFetcher } from '../../src/modules/media/safe-fetcher.ts';
import { tempDir } from '../support/temp-dir.ts';
import { engineFailure, type Fixtures, hlsPlaylist, makeFixtures, pngHeader } from './fixtures.ts';
import { type HostileServer, serveBytes, startHostileServer } from './hostile-server.ts';

let fixtures: Fixtures;
let work: { path: string; remove(): Promise<void> };
let server: HostileServer;

beforeAll(async () => {
  [fixtures, work, server] = await Promise.all([makeFixtures(), tempDir(), startHostileServer()]);
  const file = async (path: string) => new Uint8Array(await readFile(path));
  server.route('/photo.jpg', serveBytes(await file(fixtures.jpeg), { 'content-type': 'application/octet-stream' }));
  server.route('/photo.webp', serveBytes(await file(fixtures.webp)));
  server.route('/clip.mp4', serveBytes(await file(fixtures.mp4), { 'content-type': 'text/plain' }));
  server.route('/clip.webm', serveBytes(await file(fixtures.webm)));
  server.route('/truncated.mp4', serveBytes(await file(fixtures.truncatedMp4), { 'content-type': 'video/mp4' }));
  server.route('/empty.png', serveBytes(new Uint8Array(0), { 'content-type': 'image/png' }));
  server.route(
    '/text.jpg',
    serveBytes('<html><body>not a picture</body></html>\n'.repeat(4), { 'content-type': 'image/jpeg' }),
  );
  server.route('/huge.png', serveBytes(pngHeader(100_000, 100_000), { 'content-type': 'image/png' }));
  server.route('/wide.png', serveBytes(pngHeader(5000, 100), { 'content-type': 'image/png' }));
  server.route('/gzip.png', serveBytes(gzipSync(await file(fixtures.png)), { 'content-encoding': 'gzip' }));
  // The playlist points at a local segment and at this server: neither may be opened.
  server.route(
    '/playlist.mp4',
    serveBytes(hlsPlaylist(fixtures.secretTs, `${server.origin}/internal/segment.ts`), { 'content-type': 'video/mp4' }),
  );
  server.route('/big-declared.png', (_req, res) => {
    res.writeHead(200, { 'content-length': 50 * 1024 * 1024 });
    res.write(pngHeader(10, 10));
    // Never finishes: the declared length alone must end the request.
  });
  server.route('/endless.png', (_req, res) => {
    res.writeHead(200, { 'content-type': 'image/png' }); // chunked, no length
    res.write(pngHeader(10, 10));
    const chunk = new Uint8Array(16 * 1024);
    const pump = () => {
      while (res.write(chunk)) {}
    };
    res.on('drain', pump);
    res.on('close', () => res.off('drain', pump));
    pump();
  });
  server.route('/trickle.png', (_req, res) => {
    res.writeHead(200, { 'content-length': 1000 });
    res.write(pngHeader(10, 10));
    const timer = setInterval(() => res.write('x'), 50);
    res.on('close', () => clearInterval(timer));
  });
  server.route('/silent.png', () => {
    // Accepts the request and never answers.
  });
  server.route('/status-404.png', (_req, res) => res.writeHead(404).end('gone'));
  server.route('/status-503.png', (_req, res) => res.writeHead(503).end('busy'));
});

afterAll(async () => {
  await Promise.all([server.close(), fixtures.remove(), work.remove()]);
});

beforeEach(() => {
  server.requests.length = 0;
});

function fetchFrom(
  path: string,
  kind: SourceKind,
  overrides: MediaConfigInput = {},
  signal = new AbortController().signal,
) {
  const fetcher = createSafeFetcher(parseMediaConfig({ fetchAllow: `127.0.0.1:${server.port}`, ...overrides }));
  return fetcher.fetch(`${server.origin}${path}`, kind, work.path, signal);
}

/** Failures leave no partial file behind. */
async function expectNoLeftovers() {
  expect((await readdir(work.path)).filter((name) => name.endsWith('.part'))).toEqual([]);
}

describe('accepted sources', () => {
  it.each([
    ['/photo.jpg', 'image', 'image/jpeg'],
    ['/photo.webp', 'image', 'image/webp'],
    ['/clip.mp4', 'video', 'video/mp4'],
    ['/clip.webm', 'video', 'video/webm'],
  ] as const)('%s is %s %s whatever its headers say', async (path, kind, contentType) => {
    const source = await fetchFrom(path, kind);
    expect(source).toMatchObject({ kind, contentType });
    expect(source.path.endsWith(`.${contentType === 'image/jpeg' ? 'jpg' : contentType.split('/')[1]}`)).toBe(true);
  });
});

describe('limits while downloading', () => {
  it('a slow trickle is stopped by the total deadline, and not retried', async () => {
    const started = Date.now();
    const error = await engineFailure(
      fetchFrom('/trickle.png', 'image', { fetchTimeoutMs: 800, fetchIdleTimeoutMs: 500, fetchMinBytesPerSecond: 0 }),
    );
    const elapsed = Date.now() - started;
    expect(error.code).toBe('SOURCE_FETCH_FAILED');
    expect(error.retryable).toBe(false);
    expect(error.message).toMatch(/did not finish within 1 s/);
    expect(elapsed).toBeGreaterThanOrEqual(750);
    expect(elapsed).toBeLessThan(5000); // far below the endless trickle: the deadline fired
    await expectNoLeftovers();
  });

  it('a trickle below the minimum throughput is stopped once the window has passed, and not retried', async () => {
    const started = Date.now();
    const error = await engineFailure(
      fetchFrom('/trickle.png', 'image', { fetchThroughputWindowMs: 300, fetchMinBytesPerSecond: 1024 }),
    );
    expect(error.code).toBe('SOURCE_FETCH_FAILED');
    expect(error.message).toMatch(/slower than 1 KiB\/s/);
    expect(error.retryable).toBe(false);
    expect(Date.now() - started).toBeLessThan(3000); // the 120 s deadline did not have to fire
    await expectNoLeftovers();
  });

  it('a server that never answers hits the idle timeout', async () => {
    const error = await engineFailure(fetchFrom('/silent.png', 'image', { fetchIdleTimeoutMs: 300 }));
    expect(error.code).toBe('SOURCE_FETCH_FAILED');
    expect(error.message).toMatch(/did not answer in time/);
    expect(error.retryable).toBe(true);
  });

  it('an endless stream stops at the size limit', async () => {
    const error = await engineFailure(fetchFrom('/endless.png', 'image', { imageMaxBytes: 256 * 1024 }));
    expect(error.code).toBe('SOURCE_TOO_LARGE');
    expect(error.message).toMatch(/the source image is larger than 256 KiB/);
    await expectNoLeftovers();
  });

  it('a Content-Length over the limit is refused before the body is read', async () => {
    const started = Date.now();
    const error = await engineFailure(fetchFrom('/big-declared.png', 'image'));
    expect(error.code).toBe('SOURCE_TOO_LARGE');
    expect(error.message).toMatch(/larger than 20 MiB/);
    expect(Date.now() - started).toBeLessThan(5000); // the 30 MB body is never sent: only refusing early ends this
  });

  it('a file over the limit without a declared length is refused', async () => {
    const error = await engineFailure(fetchFrom('/clip.webm', 'video', { videoMaxBytes: 1000 }));
    expect(error.code).toBe('SOURCE_TOO_LARGE');
    const declared = await engineFailure(fetchFrom('/clip.mp4', 'video', { videoMaxBytes: 1000 }));
    expect(declared.code).toBe('SOURCE_TOO_LARGE');
  });

  it('a compressed response is refused', async () => {
    const error = await engineFailure(fetchFrom('/gzip.png', 'image'));
    expect(error.code).toBe('SOURCE_UNSUPPORTED');
    expect(error.message).toMatch(/compressed/);
  });

  it('HTTP errors: 4xx final, 5xx retryable, with the status only', async () => {
    const notFound = await engineFailure(fetchFrom('/status-404.png', 'image'));
    expect(notFound).toMatchObject({ code: 'SOURCE_FETCH_FAILED', retryable: false });
    expect(notFound.message).toMatch(/HTTP 404/);
    expect(notFound.message).not.toMatch(/gone/);
    const busy = await engineFailure(fetchFrom('/status-503.png', 'image'));
    expect(busy).toMatchObject({ code: 'SOURCE_FETCH_FAILED', retryable: true });
  });

  it('a cancelled fetch rejects with the cancellation reason', async () => {
    const controller = new AbortController();
    const reason = new Error('cancelled by the caller');
    setTimeout(() => controller.abort(reason), 100);
    await expect(fetchFrom('/trickle.png', 'image', {}, controller.signal)).rejects.toBe(reason);
  });
});

describe('media checks', () => {
  it('a zero-byte file is SOURCE_INVALID', async () => {
    const error = await engineFailure(fetchFrom('/empty.png', 'image'));
    expect(error.code).toBe('SOURCE_INVALID');
    expect(error.message).toMatch(/empty/);
  });

  it('a text file named .jpg is SOURCE_UNSUPPORTED', async () => {
    const error = await engineFailure(fetchFrom('/text.jpg', 'image'));
    expect(error).toMatchObject({ code: 'SOURCE_UNSUPPORTED', retryable: false });
    expect(error.message).toMatch(/must be an image \(JPEG, PNG or WebP\)/);
  });

  it('an HLS playlist named .mp4 is refused and opens nothing', async () => {
    const error = await engineFailure(fetchFrom('/playlist.mp4', 'video'));
    expect(error.code).toBe('SOURCE_UNSUPPORTED');
    expect(server.requests.map((r) => r.url)).toEqual(['/playlist.mp4']);
  });

  it('a video where an image is expected is SOURCE_UNSUPPORTED', async () => {
    const error = await engineFailure(fetchFrom('/clip.mp4', 'image'));
    expect(error.code).toBe('SOURCE_UNSUPPORTED');
    expect(error.message).toMatch(/its bytes are video/);
  });

  it('a truncated MP4 is SOURCE_INVALID', async () => {
    const error = await engineFailure(fetchFrom('/truncated.mp4', 'video'));
    expect(error).toMatchObject({ code: 'SOURCE_INVALID', retryable: false });
  });

  it('a PNG declaring 100000×100000 is refused from its header', async () => {
    const error = await engineFailure(fetchFrom('/huge.png', 'image'));
    expect(error.code).toBe('SOURCE_TOO_LARGE');
    expect(error.message).toMatch(/100000×100000 px; at most 4096 px a side/);
    const wide = await engineFailure(fetchFrom('/wide.png', 'image'));
    expect(wide.code).toBe('SOURCE_TOO_LARGE');
  });

  it('a video over the duration or size limit is SOURCE_TOO_LARGE', async () => {
    const long = await engineFailure(fetchFrom('/clip.webm', 'video', { videoMaxSeconds: 1 }));
    expect(long.code).toBe('SOURCE_TOO_LARGE');
    expect(long.message).toMatch(/lasts 2\.0 s; at most 1 s/);
    const wide = await engineFailure(fetchFrom('/clip.mp4', 'video', { videoMaxSide: 150 }));
    expect(wide.code).toBe('SOURCE_TOO_LARGE');
    expect(wide.message).toMatch(/160×120 px; at most 150 px a side/);
    // Over the pixel budget the decoder itself refuses (-max_pixels), before any frame is made.
    const big = await engineFailure(fetchFrom('/clip.mp4', 'video', { videoMaxSide: 100 }));
    expect(big.code).toBe('SOURCE_TOO_LARGE');
    expect(big.message).toMatch(/larger than 10000 pixels/);
  });
});
