/**
 * Live progress across processes (docs/api.md, "Live progress"): an API process (in this test
 * process, no workers) and a worker process (`vidforge serve --role worker`, a child process) on
 * one PostgreSQL database. The API's stream sees the progress the other process writes, through
 * its watcher's batched revision query, in order, and ends with the final task.
 */
import { randomBytes } from 'node:crypto';
import pino from 'pino';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { loadConfig, openAdmin, type RunningServer, startServer } from '../../src/admin/index.ts';
import { type ChildServer, spawnServer } from '../process/child-server.ts';
import { tempDir } from '../support/index.ts';
import { readResponse } from '../support/server.ts';
import { openSse } from '../support/sse.ts';
import { createTestDatabase } from './fleet-processes.ts';

let database: Awaited<ReturnType<typeof createTestDatabase>>;
let api: RunningServer;
let worker: ChildServer;
const dirs: { remove(): Promise<void> }[] = [];
const key = `sse_${randomBytes(24).toString('base64url')}`;
let endpointPath = '';

beforeAll(async () => {
  database = await createTestDatabase();
  const shared = {
    VIDFORGE_DATABASE_URL: database.url,
    VIDFORGE_DATABASE_POOL_SIZE: '3',
    VIDFORGE_SIGNING_SECRETS: `fleet:${randomBytes(33).toString('base64url')}`,
    VIDFORGE_ENABLE_TEST_ENGINE: 'true',
    VIDFORGE_LOG_LEVEL: 'silent',
    VIDFORGE_CONSOLE: 'false',
  };
  const apiDir = await tempDir();
  const workerDir = await tempDir();
  dirs.push(apiDir, workerDir);
  const config = loadConfig({
    env: {
      ...shared,
      VIDFORGE_DATA_DIR: apiDir.path,
      VIDFORGE_ROLE: 'api',
      VIDFORGE_WORKERS: '0',
      VIDFORGE_PORT: '0',
      VIDFORGE_SSE_TICK_MS: '100',
    },
  });
  const handle = await openAdmin(config);
  const endpoint = await handle.admin.createEndpoint({ engine: 'test', name: 'test' });
  await handle.admin.createKey({ key, endpoints: [endpoint.path] });
  await handle.close();
  endpointPath = endpoint.path;
  api = await startServer(config, { log: pino({ level: 'silent' }) });
  worker = await spawnServer({ ...shared, VIDFORGE_DATA_DIR: workerDir.path, VIDFORGE_WORKERS: '1' }, [
    '--role',
    'worker,reaper',
  ]);
});

afterAll(async () => {
  if (worker && worker.child.exitCode === null) {
    worker.child.kill('SIGKILL');
    await worker.exited;
  }
  await api?.stop();
  for (const dir of dirs) await dir.remove();
  await database?.drop();
});

it("streams the progress a worker in another process writes, in order, to the API process's client", async () => {
  const headers = { authorization: `Bearer ${key}` };
  const submitted = await readResponse(
    await fetch(`${api.url}/v1/ai/${endpointPath}/video/generate`, {
      method: 'POST',
      headers: { ...headers, 'content-type': 'application/json' },
      body: JSON.stringify({ prompt: 'test: steps=5 stepMs=400' }),
    }),
  );
  expect(submitted.status).toBe(200);
  const taskId = submitted.body.taskId;
  const stream = await openSse(`${api.url}/v1/ai/${endpointPath}/video/tasks/${taskId}/events`, headers);
  expect(stream.status).toBe(200);
  await stream.ended;
  const events = stream.events;
  const progress = events
    .filter((e) => e.data.status === 'IN_PROGRESS' && e.data.progress > 0)
    .map((e) => e.data.progress);
  const steps = [1, 2, 3, 4, 5].map((s) => Math.round((s / 6) * 10_000) / 10_000);
  // Written 400 ms apart and read every 100 ms: each one seen (the last may be folded into the commit).
  expect([steps, steps.slice(0, -1)]).toContainEqual(progress);
  const ids = events.map((e) => Number(e.id));
  for (let i = 1; i < ids.length; i++) expect(ids[i]).toBeGreaterThan(ids[i - 1]!);
  expect(events.at(-1)!.event).toBe('done');
  expect(events.at(-1)!.data.status).toBe('SUCCESS');
});
