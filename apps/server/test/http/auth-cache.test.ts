/**
 * Revocation through the auth cache, with the change made by another process while the server has
 * the key cached: the `vidforge` admin commands (and a child that creates a chosen key), with a
 * second server process on the same database as a replica. Each change must show on every server's
 * very next request: no wait, no retry.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnServer } from '../process/child-server.ts';
import { startTestServer, type TestServer } from '../support/index.ts';

const execFileAsync = promisify(execFile);
const BIN = fileURLToPath(new URL('../../../cli/bin/vidforge.js', import.meta.url));
const CREATE_KEY = fileURLToPath(new URL('./create-key.child.ts', import.meta.url));

let server: TestServer;

beforeAll(async () => {
  server = await startTestServer({ env: { VIDFORGE_WORKERS: '0' } });
});
afterAll(() => server.stop());

/**
 * A `vidforge` admin command in another process. Asynchronous on purpose: the server under test runs
 * in this process, and a synchronous child would freeze its event loop (and its keep-alive timers)
 * for the whole command.
 */
async function vidforge(...args: string[]): Promise<any> {
  const env = { ...process.env, VIDFORGE_DATA_DIR: server.dataDir, VIDFORGE_ENABLE_TEST_ENGINE: 'true' };
  return JSON.parse((await execFileAsync(process.execPath, [BIN, ...args, '--json'], { env })).stdout);
}

/** Lists the tasks of `endpointPath` with `key`: a request that must authorise and touches nothing else. */
async function statusOf(key: string, endpointPath = server.endpointPath): Promise<number> {
  const response = await server.call('GET', `${server.basePath}/${endpointPath}/video/tasks`, undefined, {
    authorization: `Bearer ${key}`,
  });
  return response.status;
}

describe('the auth cache and changes made by other processes', () => {
  it('a key revoked with `vidforge keys revoke` fails on the very next request', async () => {
    const { id, key } = await vidforge('keys', 'create', '--endpoint', server.endpointPath);
    for (let i = 0; i < 3; i++) expect(await statusOf(key)).toBe(200);
    await vidforge('keys', 'revoke', id);
    expect(await statusOf(key)).toBe(401);
    expect(await statusOf(server.key)).toBe(200);
  });

  it('a grant and an endpoint deletion made elsewhere apply to the very next request', async () => {
    const { id, key } = await vidforge('keys', 'create', '--endpoint', server.endpointPath);
    const path = `later${randomBytes(6).toString('hex')}`;
    // Unknown first: the server caches "no such endpoint" for this path.
    expect(await statusOf(key, path)).toBe(404);
    await vidforge('endpoints', 'create', '--engine', 'test', '--path', path);
    // Exists now, but not granted to this key.
    expect(await statusOf(key, path)).toBe(404);
    await vidforge('keys', 'grant', id, path);
    expect(await statusOf(key, path)).toBe(200);
    expect(await statusOf(key, path)).toBe(200);
    await vidforge('endpoints', 'delete', path);
    expect(await statusOf(key, path)).toBe(404);
    expect(await statusOf(key)).toBe(200);
  });

  it('a key refused before it existed is accepted as soon as another process creates it', async () => {
    const key = `vf_${randomBytes(24).toString('base64url')}`;
    expect(await statusOf(key)).toBe(401);
    expect(await statusOf(key)).toBe(401);
    await execFileAsync(process.execPath, [CREATE_KEY, server.dataDir, key, server.endpointPath]);
    expect(await statusOf(key)).toBe(200);
  });

  it('a revoked key fails its very next poll of a task on both processes (the poll reads access and task at once)', async () => {
    const replica = await spawnServer({ VIDFORGE_DATA_DIR: server.dataDir, VIDFORGE_WORKERS: '0' });
    try {
      const { id, key } = await vidforge('keys', 'create', '--endpoint', server.endpointPath);
      const auth = { authorization: `Bearer ${key}` };
      const submitted = await server.call('POST', '/video/generate', { prompt: 'test: steps=1' }, auth);
      expect(submitted.status).toBe(200);
      const path = `/v1/ai/${server.endpointPath}/video/tasks/${submitted.body.taskId}`;
      const here = async () => (await server.call('GET', `${server.url}${path}`, undefined, auth)).status;
      const there = async () => (await fetch(`${replica.url}${path}`, { headers: auth })).status;
      for (let i = 0; i < 3; i++) {
        expect(await here()).toBe(200);
        expect(await there()).toBe(200);
      }
      await vidforge('keys', 'revoke', id);
      expect(await there()).toBe(401);
      expect(await here()).toBe(401);
    } finally {
      replica.child.kill('SIGTERM');
      await replica.exited;
    }
  });

  it('two server processes on one database: a revocation reaches both on their next request', async () => {
    const replica = await spawnServer({ VIDFORGE_DATA_DIR: server.dataDir, VIDFORGE_WORKERS: '0' });
    try {
      const { id, key } = await vidforge('keys', 'create', '--endpoint', server.endpointPath);
      const onReplica = async () =>
        (
          await fetch(`${replica.url}/v1/ai/${server.endpointPath}/video/tasks`, {
            headers: { authorization: `Bearer ${key}` },
          })
        ).status;
      for (let i = 0; i < 3; i++) {
        expect(await statusOf(key)).toBe(200);
        expect(await onReplica()).toBe(200);
      }
      await vidforge('keys', 'revoke', id);
      expect(await onReplica()).toBe(401);
      expect(await statusOf(key)).toBe(401);
    } finally {
      replica.child.kill('SIGTERM');
      await replica.exited;
    }
  });
});
