/**
 * `vidforge serve --role`: an API-only process and a worker-only process on one data directory
 * share the work (the worker finds submits by its poll), and a bad role is a configuration error.
 */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { tempDir } from '../support/index.ts';
import { type ChildServer, prepareTestAccess, seedApi, spawnServer } from './child-server.ts';

const BIN = fileURLToPath(new URL('../../../cli/bin/vidforge.js', import.meta.url));
const started: ChildServer[] = [];
const dirs: { remove(): Promise<void> }[] = [];
afterAll(async () => {
  for (const server of started) {
    server.child.kill('SIGTERM');
    await server.exited;
  }
  for (const dir of dirs) await dir.remove();
});

describe('serve --role', () => {
  it('an API process accepts, a separate worker process runs the task', async () => {
    const dir = await tempDir();
    dirs.push(dir);
    const { endpointPath, key } = prepareTestAccess(dir.path);
    const env = { VIDFORGE_DATA_DIR: dir.path, VIDFORGE_POLL_INTERVAL_MS: '100' };
    const apiServer = await spawnServer(env, ['--role', 'api']);
    started.push(apiServer);
    const worker = await spawnServer(env, ['--role', 'worker,reaper']);
    started.push(worker);
    expect(worker.output()).toMatch(/roles worker, reaper, 2 in-process worker\(s\); this process serves no HTTP API/);

    const api = seedApi(apiServer.url, endpointPath, key);
    const { taskId } = await api.call('generate', { prompt: 'test: steps=2' });
    await api.until(taskId, ['SUCCESS'], 200);
  });

  it('an unknown role is a configuration error', async () => {
    const dir = await tempDir();
    dirs.push(dir);
    const { code, stderr } = await new Promise<{ code: number; stderr: string }>((resolve) =>
      execFile(
        process.execPath,
        [BIN, 'serve', '--role', 'api,gpu'],
        { env: { ...process.env, VIDFORGE_DATA_DIR: dir.path } },
        (error, _out, err) => resolve({ code: (error as { code?: number } | null)?.code ?? 0, stderr: err }),
      ),
    );
    expect(code).not.toBe(0);
    expect(stderr).toMatch(/role \(VIDFORGE_ROLE\): must be a comma-separated list of api, worker, reaper/);
  });
});
