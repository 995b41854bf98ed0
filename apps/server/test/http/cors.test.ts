/**
 * CORS in real Chromium: a page served from another origin uses the SDK against the server and can
 * read the exposed headers; a page from an origin not on the list cannot read anything; preflights
 * are answered before authentication.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser } from '../../../console/test/browser.ts';
import { startTestServer, type TestServer } from '../support/index.ts';

let server: TestServer;
let pages: Server;
let pagePort: number;
let browser: Browser;

const SDK = fileURLToPath(new URL('../../../../packages/sdk/src/index.ts', import.meta.url));

const PAGE = `<!doctype html><meta charset="utf-8"><script type="module">
import { Vidforge } from './sdk.js';
const params = new URLSearchParams(location.search);
window.result = (async () => {
  try {
    const client = new Vidforge({ baseUrl: params.get('base'), endpointPath: params.get('ep'), accessKey: params.get('key') });
    const task = await client.generateAndWait({ prompt: 'test: steps=2' }, { pollIntervalMs: 50 });
    const raw = await fetch(params.get('base') + '/' + params.get('ep') + '/video/tasks/' + task.taskId, {
      headers: { authorization: 'Bearer ' + params.get('key') },
    });
    return { ok: true, status: task.status, requestId: raw.headers.get('x-request-id') };
  } catch (error) {
    return { ok: false, error: String(error) };
  }
})();
</script>`;

beforeAll(async () => {
  const bundle = await build({ entryPoints: [SDK], bundle: true, format: 'esm', platform: 'browser', write: false });
  const sdk = bundle.outputFiles[0]!.text;
  pages = createServer((req, res) => {
    if (req.url?.startsWith('/sdk.js')) res.writeHead(200, { 'content-type': 'text/javascript' }).end(sdk);
    else res.writeHead(200, { 'content-type': 'text/html' }).end(PAGE);
  });
  await new Promise<void>((resolve) => pages.listen(0, '127.0.0.1', resolve));
  pagePort = (pages.address() as AddressInfo).port;
  [server, browser] = await Promise.all([
    startTestServer({ env: { VIDFORGE_CORS_ORIGINS: `http://127.0.0.1:${pagePort}` } }),
    launchBrowser(),
  ]);
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await server?.stop();
  await new Promise((resolve) => pages?.close(resolve));
});

async function runPage(origin: string) {
  const page = await browser.newPage();
  try {
    const query = new URLSearchParams({ base: server.basePath, ep: server.endpointPath, key: server.key });
    await page.goto(`${origin}/?${query}`);
    return await page.evaluate(() => (window as unknown as { result: Promise<unknown> }).result);
  } finally {
    await page.close();
  }
}

describe('CORS', () => {
  it('a page on an allowed origin uses the SDK and reads the exposed headers', async () => {
    const result = await runPage(`http://127.0.0.1:${pagePort}`);
    expect(result).toMatchObject({ ok: true, status: 'SUCCESS', requestId: expect.stringMatching(/.+/) });
  });

  it('a page on another origin cannot read anything', async () => {
    // localhost and 127.0.0.1 are different origins to the browser.
    const result = (await runPage(`http://localhost:${pagePort}`)) as { ok: boolean; error: string };
    expect(result.ok).toBe(false);
    expect(result.error).toMatch(/fetch/i);
  });

  it('answers preflights before authentication, with the allow headers for allowed origins only', async () => {
    const preflight = (origin: string) =>
      fetch(`${server.basePath}/${server.endpointPath}/video/generate`, {
        method: 'OPTIONS',
        headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization' },
      });
    const allowed = await preflight(`http://127.0.0.1:${pagePort}`);
    expect(allowed.status).toBe(204);
    expect(allowed.headers.get('access-control-allow-origin')).toBe(`http://127.0.0.1:${pagePort}`);
    expect(allowed.headers.get('access-control-allow-headers')).toMatch(/Authorization/);
    expect(allowed.headers.get('x-request-id')).toBeTruthy();
    const other = await preflight('http://evil.example');
    expect(other.status).toBe(204);
    expect(other.headers.get('access-control-allow-origin')).toBeNull();
  });
});
