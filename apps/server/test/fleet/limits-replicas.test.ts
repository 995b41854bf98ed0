/**
 * Per-key limits across two API replicas on one PostgreSQL database (docs/limits.md, "In a fleet"):
 * two servers in this process, each with its own pool and data directory, sharing only the
 * database. A key's poll budget is spent on both together, and 50 concurrent submits spread over
 * both never leave more unfinished tasks than its concurrency.
 */
import { randomBytes } from 'node:crypto';
import pino from 'pino';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { loadConfig, openAdmin, type RunningServer, startServer } from '../../src/admin/index.ts';
import { tempDir } from '../support/index.ts';
import { readResponse } from '../support/server.ts';
import { createTestDatabase } from './fleet-processes.ts';

let database: Awaited<ReturnType<typeof createTestDatabase>>;
const replicas: RunningServer[] = [];
const dirs: { remove(): Promise<void> }[] = [];
const key = `fleet_${randomBytes(24).toString('base64url')}`;
let endpointPath = '';

beforeAll(async () => {
  database = await createTestDatabase();
  const env = {
    VIDFORGE_DATABASE_URL: database.url,
    VIDFORGE_DATABASE_POOL_SIZE: '4',
    VIDFORGE_SIGNING_SECRETS: `fleet:${randomBytes(33).toString('base64url')}`,
    VIDFORGE_ENABLE_TEST_ENGINE: 'true',
    VIDFORGE_WORKERS: '0',
    VIDFORGE_PORT: '0',
    VIDFORGE_LOG_LEVEL: 'silent',
    VIDFORGE_CONSOLE: 'false',
    // A day's window: a test never straddles its boundary (midnight UTC) in practice.
    VIDFORGE_KEY_POLL_RATE: '5/day',
    VIDFORGE_KEY_CONCURRENCY: '4',
  };
  for (let i = 0; i < 2; i++) {
    const dir = await tempDir();
    dirs.push(dir);
    const config = loadConfig({ env: { ...env, VIDFORGE_DATA_DIR: dir.path } });
    if (i === 0) {
      const handle = await openAdmin(config);
      const endpoint = await handle.admin.createEndpoint({ engine: 'test', name: 'test' });
      await handle.admin.createKey({ key, endpoints: [endpoint.path] });
      await handle.close();
      endpointPath = endpoint.path;
    }
    replicas.push(await startServer(config, { log: pino({ level: 'silent' }) }));
  }
});

afterAll(async () => {
  for (const replica of replicas) await replica.stop();
  for (const dir of dirs) await dir.remove();
  await database?.drop();
});

async function call(replica: RunningServer, method: string, path: string, body?: unknown) {
  const response = await fetch(`${replica.url}/v1/ai/${endpointPath}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${key}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return readResponse(response);
}

it('spends one poll budget across both replicas', async () => {
  const statuses = [];
  for (let i = 0; i < 8; i++) statuses.push((await call(replicas[i % 2]!, 'GET', '/video/tasks')).status);
  expect(statuses).toEqual([200, 200, 200, 200, 200, 429, 429, 429]);
  const refused = await call(replicas[1]!, 'GET', '/video/tasks');
  expect(refused.body.error.code).toBe('RATE_LIMITED');
  expect(refused.headers.get('ratelimit-policy')).toBe('"poll";q=5;w=86400');
  expect(refused.headers.get('ratelimit')).toMatch(/^"poll";r=0;t=\d+$/);
});

it('holds the concurrency limit under 50 concurrent submits spread over both replicas', async () => {
  const answers = await Promise.all(
    Array.from({ length: 50 }, (_, i) => call(replicas[i % 2]!, 'POST', '/video/generate', { prompt: `test: n=${i}` })),
  );
  expect(answers.filter((a) => a.status === 200)).toHaveLength(4);
  const refused = answers.filter((a) => a.status !== 200);
  expect(refused.map((a) => a.body.error.code)).toEqual(Array(46).fill('CONCURRENCY_LIMITED'));
});
