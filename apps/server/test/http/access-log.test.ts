/**
 * The access log: one JSON line per request with its request id, method, path (never the query)
 * and status.
 */
import { Writable } from 'node:stream';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load-config.ts';
import { type RunningServer, startServer } from '../../src/main.ts';
import { FAST_SETTINGS } from '../support/index.ts';
import { tempDir } from '../support/temp-dir.ts';

const lines: Record<string, unknown>[] = [];
let server: RunningServer;
let removeDir: () => Promise<void>;

beforeAll(async () => {
  const dir = await tempDir();
  removeDir = () => dir.remove();
  const out = new Writable({
    write(chunk, _encoding, done) {
      for (const line of String(chunk).split('\n').filter(Boolean)) lines.push(JSON.parse(line));
      done();
    },
  });
  const config = loadConfig({ env: { ...FAST_SETTINGS, VIDFORGE_DATA_DIR: dir.path, VIDFORGE_LOG_LEVEL: 'info' } });
  server = await startServer(config, { log: pino({ level: 'info' }, out) });
});
afterAll(async () => {
  await server.stop();
  await removeDir();
});

const access = (id: string) => lines.filter((l) => l.requestId === id && l.msg === 'request completed');

describe('the access log', () => {
  it('writes one line per request with its request id, method, path without query and status', async () => {
    const response = await fetch(`${server.url}/healthz?secret=1`, { headers: { 'x-request-id': 'req-health-1' } });
    expect(response.status).toBe(200);
    await new Promise((r) => setTimeout(r, 20));
    const [line, ...more] = access('req-health-1');
    expect(more).toEqual([]);
    expect(line).toMatchObject({
      level: 30,
      component: 'http',
      requestId: 'req-health-1',
      method: 'GET',
      path: '/healthz',
      statusCode: 200,
      responseTimeMs: expect.any(Number),
    });
    expect(JSON.stringify(line)).not.toContain('secret');
  });

  it('writes the access line of an error answer (401) the same way', async () => {
    const response = await fetch(`${server.url}/v1/ai/nosuchendpoint/video/tasks`, {
      headers: { 'x-request-id': 'req-401-1' },
    });
    expect(response.status).toBe(401);
    await new Promise((r) => setTimeout(r, 20));
    expect(access('req-401-1')).toEqual([
      expect.objectContaining({ statusCode: 401, path: '/v1/ai/nosuchendpoint/video/tasks' }),
    ]);
  });
});
