/** Every client command of the real binary against a real server, with machine-readable output. */
import { spawn } from 'node:child_process';
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { startTestServer, type TestServer, tempDir } from '@vidforge/server/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, baseEnv, type CliResult, runCli, serverEnv } from './support/run-cli.ts';

let server: TestServer;
let dir: Awaited<ReturnType<typeof tempDir>>;
let env: Record<string, string | undefined>;

beforeAll(async () => {
  server = await startTestServer();
  dir = await tempDir('vidforge-cli-');
  env = { ...baseEnv(dir.path), ...serverEnv(server) };
});
afterAll(async () => {
  await server.stop();
  await dir.remove();
});

const vidforge = (args: string[]) => runCli(args, { env, cwd: dir.path });

function json(result: CliResult) {
  const why = `exit ${result.code}: ${result.stderr}`;
  expect(result.stderr, why).toBe('');
  expect(result.code, why).toBe(0);
  return JSON.parse(result.stdout);
}

describe.concurrent('submit commands', () => {
  it('generate sends every flag and prints the task id as JSON (stdout is not a terminal)', async () => {
    const args = ['generate', 'A sunset over the ocean', '--negative', 'dark', '--image', 'https://example.com/a.jpg'];
    const result = await vidforge([...args, '--seed', '42', '--duration', '8', '--aspect', '1:1']);
    const { taskId } = json(result);
    expect(taskId).toMatch(/^[\w-]{16,}$/);
    const task = json(await vidforge(['status', taskId, '--json']));
    expect(task).toMatchObject({ taskId, type: 'generate', seed: 42 });
  });

  it('generate --wait prints the finished task', async () => {
    const task = json(await vidforge(['generate', 'test: steps=3 stepMs=20', '--wait', '--json']));
    expect(task).toMatchObject({ status: 'SUCCESS', progress: 1, type: 'generate' });
    expect(task.mediaUrl).toMatch(/^http/);
  });

  it('upscale and extend, waiting', async () => {
    const [upResult, extResult] = await Promise.all([
      vidforge(['upscale', 'https://example.com/in.mp4', '--wait']),
      vidforge([
        'extend',
        'https://example.com/in.mp4',
        '--prompt',
        'on',
        '--seconds',
        '2',
        '--guidance',
        '9',
        '--wait',
      ]),
    ]);
    const [up, ext] = [json(upResult), json(extResult)];
    expect([up.type, up.status, ext.type, ext.status]).toEqual(['upscale', 'SUCCESS', 'extend', 'SUCCESS']);
  });

  it('-o waits and downloads in one go', async () => {
    const task = json(await vidforge(['generate', 'to a file', '-o', 'gen.mp4']));
    expect(task).toMatchObject({ status: 'SUCCESS', download: { path: 'gen.mp4', bytes: 65_536 } });
    expect((await stat(join(dir.path, 'gen.mp4'))).size).toBe(65_536);
  });

  it('--idempotency-key makes a re-run return the same task', async () => {
    const runs = await Promise.all([1, 2].map(() => vidforge(['generate', 'once', '--idempotency-key', 'cli-run-1'])));
    expect(json(runs[1]!).taskId).toBe(json(runs[0]!).taskId);
  });
});

describe.concurrent('task commands', () => {
  it('status, wait and download (to a file and to stdout)', async () => {
    const { taskId } = json(await vidforge(['generate', 'test: steps=4 stepMs=30']));
    const waited = json(await vidforge(['wait', taskId]));
    expect(waited).toMatchObject({ taskId, status: 'SUCCESS' });
    expect(json(await vidforge(['status', taskId])).status).toBe('SUCCESS');

    const [toFile, piped, byDefault] = await Promise.all([
      vidforge(['download', taskId, '-o', 'dl.mp4']),
      vidforge(['download', taskId, '-o', '-']),
      vidforge(['download', taskId]),
    ]);
    expect(json(toFile)).toMatchObject({ taskId, download: { path: 'dl.mp4', bytes: 65_536 } });
    const file = await readFile(join(dir.path, 'dl.mp4'));
    expect(piped.code).toBe(0);
    expect(piped.raw.equals(file)).toBe(true);
    expect(json(byDefault).download.path).toBe(`${taskId}.mp4`);
  });

  it('wait -o downloads after waiting', async () => {
    const { taskId } = json(await vidforge(['generate', 'test: steps=2 stepMs=20']));
    const task = json(await vidforge(['wait', taskId, '-o', 'waited.mp4', '--timeout', '20']));
    expect(task.download).toEqual({ path: 'waited.mp4', bytes: 65_536 });
  });

  it('cancel ends a running task as CANCELLED', async () => {
    const { taskId } = json(await vidforge(['generate', 'test: steps=300 stepMs=100']));
    const task = json(await vidforge(['cancel', taskId]));
    expect(task).toMatchObject({ taskId, status: 'FAIL', error: { code: 'CANCELLED' } });
  });

  it('list: one page with a cursor, every page with --all, and a status filter', async () => {
    await Promise.all([0, 1, 2].map((i) => vidforge(['generate', `listed ${i}`])));
    const page = json(await vidforge(['list', '--limit', '2']));
    expect(page.tasks).toHaveLength(2);
    expect(page.nextCursor).toEqual(expect.any(String));
    const next = json(await vidforge(['list', '--limit', '2', '--cursor', page.nextCursor]));
    expect(next.tasks[0].taskId).not.toBe(page.tasks[1].taskId);

    const all = json(await vidforge(['list', '--all', '--limit', '2']));
    expect(all.nextCursor).toBeNull();
    expect(all.tasks.length).toBeGreaterThanOrEqual(3);
    const ids = all.tasks.map((t: { taskId: string }) => t.taskId);
    expect(new Set(ids).size).toBe(ids.length);

    const failed = json(await vidforge(['list', '--status', 'fail', '--all']));
    expect(failed.tasks.every((t: { status: string }) => t.status === 'FAIL')).toBe(true);
  });

  it('flags override the environment', async () => {
    const result = await runCli(['list', '--limit', '1', '--key', server.key, '--endpoint', server.endpointPath], {
      env: { ...env, VIDFORGE_ACCESS_KEY: 'wrong', VIDFORGE_ENDPOINT: 'wrong-endpoint' },
    });
    expect(json(result).tasks).toHaveLength(1);
  });
});

describe('a closed pipe', () => {
  it('download -o - into a reader that stops early (| head -c 100) exits quietly', async () => {
    // 4 MB: more than a pipe holds, so the CLI is still writing when the reader goes away.
    const { taskId } = json(await vidforge(['generate', 'test: size=4000000', '--endpoint', server.endpointPath]));
    json(await vidforge(['wait', taskId, '--json', '--endpoint', server.endpointPath]));
    const result = await new Promise<{ code: number | null; stderr: string; bytes: number }>((resolve) => {
      const child = spawn(process.execPath, [BIN, 'download', taskId, '-o', '-', '--endpoint', server.endpointPath], {
        env: env as NodeJS.ProcessEnv,
        cwd: dir.path,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let bytes = 0;
      let stderr = '';
      child.stdout.on('data', (chunk: Buffer) => {
        bytes += chunk.length;
        if (bytes >= 100) child.stdout.destroy();
      });
      child.stderr.on('data', (chunk: Buffer) => {
        stderr += chunk;
      });
      child.on('close', (code) => resolve({ code, stderr, bytes }));
    });
    expect(result.bytes).toBeGreaterThanOrEqual(100);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
  });
});
