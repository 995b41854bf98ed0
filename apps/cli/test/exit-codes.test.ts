/** Exit codes and error output of the client commands; the access key never appears in any output. */
import { createServer } from 'node:net';
import { startTestServer, type TestServer, tempDir } from '@vidforge/server/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFaultProxy } from '../../../packages/sdk/test/support/fault-proxy.ts';
import { EXIT } from '../src/cli-error.ts';
import { baseEnv, type CliResult, runCli, serverEnv } from './support/run-cli.ts';

let server: TestServer;
let dir: Awaited<ReturnType<typeof tempDir>>;
let env: Record<string, string | undefined>;
const outputs: CliResult[] = [];

beforeAll(async () => {
  // Four workers: two tests here hold a long task each while the others still need one.
  server = await startTestServer({ env: { VIDFORGE_WORKERS: '4' } });
  dir = await tempDir('vidforge-cli-exit-');
  env = { ...baseEnv(dir.path), ...serverEnv(server) };
});
afterAll(async () => {
  // Whatever the command and outcome, the key was never printed.
  for (const result of outputs) expect(result.stdout + result.stderr).not.toContain(server.key);
  await server.stop();
  await dir.remove();
});

async function vidforge(args: string[], extraEnv: Record<string, string | undefined> = {}): Promise<CliResult> {
  const result = await runCli(args, { env: { ...env, ...extraEnv }, cwd: dir.path });
  outputs.push(result);
  return result;
}

/** A loopback port nothing listens on (bound, then released). */
async function closedPort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as { port: number };
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

/** Tasks on the preview endpoint, which only the usage test points at (the other tests run alongside). */
async function previewTaskCount(): Promise<number> {
  const url = `${server.basePath}/${server.previewEndpointPath}/video/tasks?limit=100`;
  return (await server.call('GET', url)).body.tasks.length;
}

describe.concurrent('exit codes', () => {
  it('usage (2): bad flag values are caught with the contract rules before anything is sent', async () => {
    const before = await previewTaskCount();
    // A sample per kind; request-flags.test.ts covers every flag rule in-process.
    const cases: [string[], RegExp][] = [
      [['generate', 'x', '--duration', '3'], /--duration: must be one of 2, 4, 8/],
      [['generate', 'x', '--seed', '-2'], /--seed: /],
      [['generate', 'x', '--bogus'], /unknown flag --bogus \(see --help\)/],
      [['upscale', 'not a url'], /the source video: no such file: not a url/],
      [['list', '--status', 'DONE'], /--status: must be one of/],
      [['wait', 'someTaskId000000000', '--timeout', 'soon'], /--timeout: expected a number of seconds/],
      [['status'], /needs a task id/],
      [['frobnicate'], /unknown command "frobnicate"/],
    ];
    const preview = { VIDFORGE_ENDPOINT: server.previewEndpointPath };
    const results = await Promise.all(cases.map(([args]) => vidforge(args, preview)));
    results.forEach((result, i) => {
      expect(result.code, cases[i]![0].join(' ')).toBe(EXIT.usage);
      expect(result.stderr).toMatch(cases[i]![1]);
      expect(result.stdout).toBe('');
    });
    expect(await previewTaskCount()).toBe(before);
  });

  it('config (3), auth (4), not found (7) and unavailable (8)', async () => {
    const port = await closedPort();
    const [config, badUrl, auth, notFound, wrongEndpoint, down, noBasePath] = await Promise.all([
      vidforge(['list'], { VIDFORGE_BASE_URL: undefined }),
      vidforge(['list'], { VIDFORGE_BASE_URL: 'localhost:8080' }),
      vidforge(['list', '--json'], { VIDFORGE_ACCESS_KEY: 'not-the-key' }),
      vidforge(['status', 'unknownTask00000000000']),
      vidforge(['list'], { VIDFORGE_ENDPOINT: 'not-an-endpoint' }),
      vidforge(['list'], { VIDFORGE_BASE_URL: `http://127.0.0.1:${port}/v1/ai` }),
      vidforge(['list'], { VIDFORGE_BASE_URL: new URL(server.basePath).origin }),
    ]);
    expect(config.code).toBe(EXIT.config);
    expect(config.stderr).toMatch(/missing the base URL/);
    expect(badUrl.code).toBe(EXIT.config);
    expect(auth.code).toBe(EXIT.auth);
    expect(auth.stderr).toMatch(/UNAUTHORIZED/);
    expect(JSON.parse(auth.stdout).error).toMatchObject({
      code: 'UNAUTHORIZED',
      status: 401,
      requestId: expect.any(String),
    });
    expect(notFound.code).toBe(EXIT.notFound);
    expect(notFound.stderr).toMatch(/TASK_NOT_FOUND/);
    expect(wrongEndpoint.code).toBe(EXIT.notFound);
    expect(down.code).toBe(EXIT.unavailable);
    expect(down.stderr).toContain(`Cannot reach http://127.0.0.1:${port}: `);
    expect(down.stderr).toMatch(/ECONNREFUSED.*CONNECTION_ERROR/);
    expect(noBasePath.code).toBe(EXIT.notFound);
    expect(noBasePath.stderr).toMatch(/No route for .*check the base URL: it must end with the API basePath/);
    // A missing task or endpoint is a real 404, not a wrong base URL: no hint there.
    expect(notFound.stderr + wrongEndpoint.stderr).not.toContain('check the base URL');
  });

  it('task failed (5): the failed task is printed and the code is named', async () => {
    const prompt = 'test: failAttempts=9 retryable=false failCode=SOURCE_INVALID';
    const result = await vidforge(['generate', prompt, '--wait', '--json']);
    expect(result.code).toBe(EXIT.taskFailed);
    expect(JSON.parse(result.stdout)).toMatchObject({ status: 'FAIL', error: { code: 'SOURCE_INVALID' } });
    expect(result.stderr).toMatch(/failed: .*\(SOURCE_INVALID\)/);
  });

  it('timeout (6): says how to resume, and the task keeps running', async () => {
    const { taskId } = JSON.parse((await vidforge(['generate', 'test: steps=300 stepMs=100'])).stdout);
    const result = await vidforge(['wait', taskId, '--timeout', '0.3', '-o', 'my clip.mp4']);
    expect(result.code).toBe(EXIT.timeout);
    // The hint keeps -o FILE, quoted for the shell, so pasting it still downloads.
    expect(result.stderr).toContain(`Resume with: vidforge wait ${taskId} -o 'my clip.mp4'`);
    expect(JSON.parse(result.stdout).error).toMatchObject({ code: 'WAIT_TIMEOUT', taskId });
    expect((await server.call('GET', `/video/tasks/${taskId}`)).body.status).toMatch(/PENDING|IN_PROGRESS/);
    await server.call('DELETE', `/video/tasks/${taskId}`);
  });

  it('interrupted (130): SIGINT while waiting leaves the task running and prints how to resume', async () => {
    const { taskId } = JSON.parse((await vidforge(['generate', 'test: steps=300 stepMs=100'])).stdout);
    // Through the SDK's loopback proxy, only to see the first poll: the signal must land while waiting.
    const proxy = await startFaultProxy(server.url);
    try {
      const result = await runCli(['wait', taskId], {
        env: { ...env, VIDFORGE_BASE_URL: proxy.basePath },
        onSpawn: (child) => {
          const poll = setInterval(() => {
            if (proxy.seen.some((r) => r.path.includes(taskId))) {
              clearInterval(poll);
              child.kill('SIGINT');
            }
          }, 10);
        },
      });
      outputs.push(result);
      expect(result.code, result.stderr).toBe(EXIT.interrupted);
      expect(result.stderr).toContain(`Resume with: vidforge wait ${taskId}`);
      expect(JSON.parse(result.stdout)).toEqual({ taskId, interrupted: true });
      expect((await server.call('GET', `/video/tasks/${taskId}`)).body.status).toMatch(/PENDING|IN_PROGRESS/);
      await server.call('DELETE', `/video/tasks/${taskId}`);
    } finally {
      await proxy.close();
    }
  });

  it('conflict (1): cancelling a finished task', async () => {
    const task = JSON.parse((await vidforge(['generate', 'quick', '--wait'])).stdout);
    const result = await vidforge(['cancel', task.taskId]);
    expect(result.code).toBe(EXIT.failure);
    expect(result.stderr).toMatch(/TASK_NOT_CANCELLABLE/);
  });
});
