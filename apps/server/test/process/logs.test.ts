/**
 * `vidforge serve` on a pipe: stdout is JSON lines only (the banner is on stderr), with a line when
 * a task starts and when it ends (with its duration), and a last line when the server stopped.
 */
import { afterAll, expect, it } from 'vitest';
import { tempDir } from '../support/index.ts';
import { prepareTestAccess, seedApi, spawnServer } from './child-server.ts';

const dirs: { remove(): Promise<void> }[] = [];
afterAll(async () => {
  for (const dir of dirs) await dir.remove();
});

it('logs JSON lines only, task start and end with duration, and the stop', async () => {
  const dir = await tempDir();
  dirs.push(dir);
  const { endpointPath, key } = prepareTestAccess(dir.path);
  const server = await spawnServer({ VIDFORGE_DATA_DIR: dir.path, VIDFORGE_LOG_LEVEL: 'info' });
  let stdout = '';
  server.child.stdout!.on('data', (chunk) => {
    stdout += chunk;
  });
  const api = seedApi(server.url, endpointPath, key);
  const { taskId } = await api.call('generate', { prompt: 'test: steps=2' });
  await api.until(taskId, ['SUCCESS'], 200);
  server.child.kill('SIGTERM');
  await server.exited;

  const entries = stdout
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as Record<string, unknown>);
  expect(entries.every((entry) => typeof entry.level === 'string')).toBe(true);
  expect(entries.find((e) => e.msg === 'task started')).toMatchObject({ taskId, attempt: 1, engine: 'test' });
  expect(entries.find((e) => e.msg === 'task succeeded')).toMatchObject({ taskId, durationMs: expect.any(Number) });
  expect(entries.at(-1)).toMatchObject({ msg: 'stopped' });
  expect(stdout).not.toContain('basePath');
});
