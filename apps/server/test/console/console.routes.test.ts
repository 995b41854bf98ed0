/** The web console's static routes: caching, validators, compression, CSP, and the on/off switch. */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load-config.ts';
import { installErrorHandling } from '../../src/http/error-handler.ts';
import { ASSET_CACHE_CONTROL, registerConsoleRoutes } from '../../src/modules/console/console.routes.ts';
import { defaultConsoleDir, loadConsoleBundle } from '../../src/modules/console/console-bundle.ts';
import { startTestServer, tempDir } from '../support/index.ts';

const INDEX = '<!doctype html><title>t</title><script type="module" src="assets/app-1234567890.js"></script>';
const SCRIPT = `console.log(${JSON.stringify('x'.repeat(2000))});`;

describe('console routes', () => {
  let app: FastifyInstance;
  let dir: { path: string; remove(): Promise<void> };

  beforeAll(async () => {
    dir = await tempDir();
    await mkdir(join(dir.path, 'assets'));
    await writeFile(join(dir.path, 'index.html'), INDEX);
    await writeFile(join(dir.path, 'assets', 'app-1234567890.js'), SCRIPT);
    await writeFile(join(dir.path, 'assets', 'logo.png'), Buffer.from([0x89, 0x50, 0x4e, 0x47]));
    app = Fastify();
    installErrorHandling(app);
    registerConsoleRoutes(app, await loadConsoleBundle(dir.path));
    await app.ready();
  });
  afterAll(async () => {
    await app.close();
    await dir.remove();
  });

  it('serves index.html at / revalidated on every load, with a strict CSP', async () => {
    const response = await app.inject({ method: 'GET', url: '/' });
    expect(response.statusCode).toBe(200);
    expect(response.body).toBe(INDEX);
    expect(response.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(response.headers['cache-control']).toBe('no-cache');
    expect(response.headers.etag).toMatch(/^"[A-Za-z0-9_-]{22}"$/);
    expect(response.headers['x-content-type-options']).toBe('nosniff');
    expect(response.headers['x-frame-options']).toBe('DENY');
    expect(response.headers['referrer-policy']).toBe('no-referrer');
    const csp = String(response.headers['content-security-policy']);
    expect(csp).toContain("default-src 'self'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("connect-src 'self'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).not.toContain('unsafe-inline');
    expect(csp).not.toContain('unsafe-eval');
  });

  it('answers 304 to a matching If-None-Match, and 200 to a stale one', async () => {
    const first = await app.inject({ method: 'GET', url: '/' });
    const etag = String(first.headers.etag);
    const again = await app.inject({ method: 'GET', url: '/', headers: { 'if-none-match': etag } });
    expect(again.statusCode).toBe(304);
    expect(again.body).toBe('');
    expect(again.headers.etag).toBe(etag);
    expect(again.headers['cache-control']).toBe('no-cache');
    const weak = await app.inject({ method: 'GET', url: '/', headers: { 'if-none-match': `"other", W/${etag}` } });
    expect(weak.statusCode).toBe(304);
    const stale = await app.inject({ method: 'GET', url: '/', headers: { 'if-none-match': '"stale"' } });
    expect(stale.statusCode).toBe(200);
  });

  it('serves hashed assets as immutable for a year, gzipped when the client accepts it', async () => {
    const plain = await app.inject({ method: 'GET', url: '/assets/app-1234567890.js' });
    expect(plain.statusCode).toBe(200);
    expect(plain.body).toBe(SCRIPT);
    expect(plain.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(plain.headers['cache-control']).toBe(ASSET_CACHE_CONTROL);
    expect(plain.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect(plain.headers.vary).toBe('accept-encoding');
    expect(plain.headers['content-encoding']).toBeUndefined();

    const gzipped = await app.inject({
      method: 'GET',
      url: '/assets/app-1234567890.js',
      headers: { 'accept-encoding': 'br, gzip;q=0.8' },
    });
    expect(gzipped.headers['content-encoding']).toBe('gzip');
    expect(gunzipSync(gzipped.rawPayload).toString()).toBe(SCRIPT);
    expect(gzipped.rawPayload.byteLength).toBeLessThan(SCRIPT.length / 10);
    // Each representation has its own validator.
    expect(gzipped.headers.etag).not.toBe(plain.headers.etag);
    const refused = await app.inject({
      method: 'GET',
      url: '/assets/app-1234567890.js',
      headers: { 'accept-encoding': 'gzip;q=0' },
    });
    expect(refused.headers['content-encoding']).toBeUndefined();

    const revalidated = await app.inject({
      method: 'GET',
      url: '/assets/app-1234567890.js',
      headers: { 'accept-encoding': 'gzip', 'if-none-match': String(gzipped.headers.etag) },
    });
    expect(revalidated.statusCode).toBe(304);

    const png = await app.inject({ method: 'GET', url: '/assets/logo.png', headers: { 'accept-encoding': 'gzip' } });
    expect(png.headers['content-type']).toBe('image/png');
    expect(png.headers['content-encoding']).toBeUndefined();
  });

  it('answers HEAD like GET without a body', async () => {
    const response = await app.inject({ method: 'HEAD', url: '/assets/app-1234567890.js' });
    expect(response.statusCode).toBe(200);
    expect(response.body).toBe('');
    expect(response.headers['cache-control']).toBe(ASSET_CACHE_CONTROL);
  });

  it('is 404 in the API error shape for unknown assets and paths outside the bundle', async () => {
    for (const url of ['/assets/nope.js', '/assets/..%2Findex.html', '/assets/', '/index.html', '/assets/a/b.js']) {
      const response = await app.inject({ method: 'GET', url });
      expect(response.statusCode, url).toBe(404);
      expect(response.json().error.code, url).toBe('NOT_FOUND');
    }
  });

  it('says how to fix a missing bundle', async () => {
    await expect(loadConsoleBundle(join(dir.path, 'missing'))).rejects.toThrow(/npm run build.*VIDFORGE_CONSOLE=false/);
  });
});

describe('the console in a running server', () => {
  it('is on by default, next to the API, and its page names only assets that exist', async () => {
    const server = await startTestServer({ env: { VIDFORGE_WORKERS: '0' } });
    try {
      const page = await fetch(`${server.url}/`);
      expect(page.status).toBe(200);
      const html = await page.text();
      const assets = [...html.matchAll(/(?:src|href)="(assets\/[^"]+)"/g)].map((m) => m[1]!);
      expect(assets.length).toBeGreaterThanOrEqual(3);
      for (const asset of assets) {
        const response = await fetch(`${server.url}/${asset}`);
        expect(response.status, asset).toBe(200);
        expect(response.headers.get('cache-control')).toBe(ASSET_CACHE_CONTROL);
      }
      expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
      expect((await fetch(`${server.url}/v1/openapi.json`)).headers.get('content-type')).toMatch(/json/);
      expect((await server.call('GET', '/video/tasks')).status).toBe(200);
    } finally {
      await server.stop();
    }
  });

  it('is off with VIDFORGE_CONSOLE=false', async () => {
    expect(loadConfig({ env: {} }).console).toBe(true);
    expect(loadConfig({ env: { VIDFORGE_CONSOLE: 'false' } }).console).toBe(false);
    const server = await startTestServer({ env: { VIDFORGE_WORKERS: '0', VIDFORGE_CONSOLE: 'false' } });
    try {
      const response = await fetch(`${server.url}/`);
      expect(response.status).toBe(404);
      expect((await response.json()).error.code).toBe('NOT_FOUND');
    } finally {
      await server.stop();
    }
  });

  it('finds the committed bundle through the workspace package', async () => {
    const bundle = await loadConsoleBundle(defaultConsoleDir());
    expect(bundle.index.body.toString()).toContain('<div id="app">');
    expect([...bundle.assets.keys()].some((name) => /^app-[0-9a-f]{10}\.js$/.test(name))).toBe(true);
  });
});
