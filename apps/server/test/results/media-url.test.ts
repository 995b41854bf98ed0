/** Signed media URLs: streaming with Range, 403 for tampered or expired, 410 past retention. */
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pollTask, shiftableClock, startTestServer, type TestServer } from '../support/index.ts';

const clock = shiftableClock();
let server: TestServer;
let task: { taskId: string; mediaUrl: string; expireTime: number };
const SIZE = 300_000;

beforeAll(async () => {
  server = await startTestServer({
    clock,
    env: { VIDFORGE_MEDIA_URL_TTL_MS: '60000', VIDFORGE_RETENTION_MS: '600000' },
  });
  const { body } = await server.call('POST', '/video/generate', { prompt: `test: steps=1 size=${SIZE}` });
  task = (await pollTask(server, body.taskId)).task;
});
afterAll(() => server.stop());

const get = (url: string, headers: Record<string, string> = {}, method = 'GET') => fetch(url, { headers, method });

describe('a signed URL', () => {
  it('serves the whole file with the right headers', async () => {
    const response = await get(task.mediaUrl);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('video/mp4');
    expect(response.headers.get('accept-ranges')).toBe('bytes');
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    expect(Number(response.headers.get('content-length'))).toBe(SIZE);
    expect((await response.arrayBuffer()).byteLength).toBe(SIZE);
  });

  it('answers ranges with 206 and Content-Range', async () => {
    const whole = Buffer.from(await (await get(task.mediaUrl)).arrayBuffer());
    const cases: [string, number, number][] = [
      ['bytes=0-1', 0, 1],
      ['bytes=1000-', 1000, SIZE - 1],
      ['bytes=-500', SIZE - 500, SIZE - 1],
      [`bytes=10-${SIZE + 100}`, 10, SIZE - 1],
    ];
    for (const [range, start, end] of cases) {
      const response = await get(task.mediaUrl, { range });
      expect(response.status, range).toBe(206);
      expect(response.headers.get('content-range')).toBe(`bytes ${start}-${end}/${SIZE}`);
      expect(Buffer.from(await response.arrayBuffer()).equals(whole.subarray(start, end + 1))).toBe(true);
    }
  });

  it('honours If-Range: a matching ETag gets the range, another gets the whole file', async () => {
    const etag = (await get(task.mediaUrl)).headers.get('etag')!;
    expect(etag).toMatch(/^"[^"]+"$/);
    expect((await get(task.mediaUrl, { range: 'bytes=0-9', 'if-range': etag })).status).toBe(206);
    expect((await get(task.mediaUrl, { range: 'bytes=0-9', 'if-range': '"stale"' })).status).toBe(200);
  });

  it('answers 416 to an unsatisfiable range and ignores multi-ranges', async () => {
    const beyond = await get(task.mediaUrl, { range: `bytes=${SIZE}-` });
    expect(beyond.status).toBe(416);
    expect(beyond.headers.get('content-range')).toBe(`bytes */${SIZE}`);
    expect((await get(task.mediaUrl, { range: 'bytes=0-1,5-6' })).status).toBe(200);
    expect((await get(task.mediaUrl, { range: 'bytes=abc' })).status).toBe(200);
  });

  it('supports HEAD without a body', async () => {
    const response = await get(task.mediaUrl, {}, 'HEAD');
    expect(response.status).toBe(200);
    expect(Number(response.headers.get('content-length'))).toBe(SIZE);
  });

  it('refuses tampered URLs with 403 before touching storage', async () => {
    const url = new URL(task.mediaUrl);
    const variants: string[] = [];
    const withParam = (name: string, value: string) => {
      const copy = new URL(url);
      copy.searchParams.set(name, value);
      return copy.toString();
    };
    variants.push(withParam('exp', String(task.expireTime + 1000)));
    variants.push(
      withParam(
        'sig',
        url.searchParams.get('sig')!.replace(/^./, (c) => (c === 'A' ? 'B' : 'A')),
      ),
    );
    variants.push(withParam('sig', 'short'));
    variants.push(withParam('sig', ''));
    variants.push(withParam('kid', 'other'));
    variants.push(`${task.mediaUrl}&exp=${task.expireTime}`);
    variants.push(task.mediaUrl.split('?')[0]!);
    const otherId = task.taskId.replace(/^./, (c) => (c === 'A' ? 'B' : 'A'));
    variants.push(task.mediaUrl.replace(task.taskId, otherId));
    variants.push(`${server.url}/v1/media/..%2F..%2Fetc%2Fpasswd?${url.searchParams}`);
    for (const variant of variants) {
      const response = await get(variant);
      expect(response.status, variant).toBe(403);
      expect((await response.json()).error.code).toBe('MEDIA_URL_INVALID');
    }
  });

  it('expires: 403 after expireTime, and GET /tasks gives a fresh one', async () => {
    clock.advance(61_000);
    const expired = await get(task.mediaUrl);
    expect(expired.status).toBe(403);
    expect((await expired.json()).error.message).toMatch(/expired/);
    const fresh = (await server.call('GET', `/video/tasks/${task.taskId}`)).body;
    expect((await get(fresh.mediaUrl)).status).toBe(200);
  });

  it('is never valid past retention, then 410, and the sweeper deletes the file', async () => {
    clock.advance(600_000 - 61_000 - 30_000);
    const near = (await server.call('GET', `/video/tasks/${task.taskId}`)).body;
    expect(near.expireTime).toBeLessThanOrEqual(task.expireTime - 60_000 + 600_000);
    clock.advance(31_000);
    for (const url of [near.mediaUrl, task.mediaUrl]) {
      const gone = await get(url);
      expect(gone.status).toBe(410);
      expect((await gone.json()).error.code).toBe('MEDIA_GONE');
    }
    const after = (await server.call('GET', `/video/tasks/${task.taskId}`)).body;
    expect(after).toMatchObject({ status: 'SUCCESS', mediaUrl: null, expireTime: null });
    const files = async () => readdir(join(server.dataDir, 'media', 'results')).catch(() => [] as string[]);
    const deadline = Date.now() + 5000;
    while ((await files()).some((f) => f.startsWith(task.taskId)) && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 50));
    }
    expect((await files()).some((f) => f.startsWith(task.taskId))).toBe(false);
  });
});
