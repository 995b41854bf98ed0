/**
 * "Upscale this": a source URL that is one of this server's media URLs is read from the result
 * store, so it works on the default configuration, where the SSRF guard refuses loopback.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { previewClient } from '../media/e2e-support.ts';
import { startTestServer, type TestServer } from '../support/index.ts';

let server: TestServer;
let preview: ReturnType<typeof previewClient>;
let mediaUrl: string;
beforeAll(async () => {
  server = await startTestServer();
  preview = previewClient(server);
  const { task } = await preview.finish(
    await preview.submit('generate', { prompt: 'a source', settings: { seed: 1 } }),
  );
  expect(task.status).toBe('SUCCESS');
  mediaUrl = task.mediaUrl;
});
afterAll(() => server?.stop());

it('upscales a result of this server from its media URL', async () => {
  expect(new URL(mediaUrl).hostname).toBe('127.0.0.1');
  const { task } = await preview.finish(await preview.submit('upscale', { config: { sourceVideo: mediaUrl } }));
  expect(task).toMatchObject({ status: 'SUCCESS', video: { width: 2560, height: 1440 } });
}, 60_000);

it('refuses a forged or foreign-task signature, and other loopback URLs stay refused', async () => {
  const forged = mediaUrl.replace(/sig=[^&]+/, `sig=${'A'.repeat(43)}`);
  const other = mediaUrl.replace(/media\/[^.]+\.mp4/, `media/${'B'.repeat(22)}.mp4`);
  const loopback = `${server.url}/healthz`;
  for (const [url, message] of [
    [forged, /invalid signature/],
    [other, /invalid signature/],
    [loopback, /refused/],
  ] as const) {
    const { task } = await preview.finish(await preview.submit('upscale', { config: { sourceVideo: url } }));
    expect(task.status, url).toBe('FAIL');
    expect(task.error.code).toBe('SOURCE_FETCH_FAILED');
    expect(task.error.message).toMatch(message);
  }
});
