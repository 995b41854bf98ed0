/**
 * A PENDING task's place in line and the no-runner warning, as `status` and `wait` show them: on a
 * real pseudo-terminal (human mode) and as JSON, against a server with a runner endpoint that no
 * runner serves and no in-process workers (so its tasks stay PENDING).
 */

import { ordinal, queuePlace } from '@vidforge/sdk';
import { addRunnerEndpoint, startTestServer, type TestServer, tempDir } from '@vidforge/server/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { baseEnv, runCli, runInTerminal } from './support/run-cli.ts';

const WARNING = 'no runner serving ltx2 is online; the task waits until one connects';
let server: TestServer;
let dir: Awaited<ReturnType<typeof tempDir>>;
let env: Record<string, string | undefined>;
let first: string;
let second: string;

beforeAll(async () => {
  server = await startTestServer({ env: { VIDFORGE_WORKERS: '0' } });
  dir = await tempDir('vidforge-cli-queue-');
  const endpointPath = await addRunnerEndpoint(server, 'ltx2');
  env = {
    ...baseEnv(dir.path),
    VIDFORGE_BASE_URL: server.basePath,
    VIDFORGE_ENDPOINT: endpointPath,
    VIDFORGE_ACCESS_KEY: server.key,
  };
  const submit = async () =>
    (await server.call('POST', `${server.basePath}/${endpointPath}/video/generate`, { prompt: 'a fox' })).body
      .taskId as string;
  first = await submit();
  second = await submit();
}, 60_000);
afterAll(async () => {
  await server?.stop();
  await dir?.remove();
});

describe('the queue of a PENDING task', () => {
  it('status on a terminal says its place in line and that no runner is online', async () => {
    const { code, output } = await runInTerminal(['status', second], { env });
    expect(code).toBe(0);
    expect(output).toMatch(/Status +PENDING 0%, queued: 2nd in line/);
    expect(output).toMatch(new RegExp(`Warning +${WARNING}`));
  });

  it('status --json carries the field as the server sent it, and no warning', async () => {
    const { code, stdout, stderr } = await runCli(['status', second, '--json'], { env });
    expect(code).toBe(0);
    expect(JSON.parse(stdout).queue).toEqual({
      position: 2,
      positionIsLowerBound: false,
      runnerFamily: 'ltx2',
      runnersOnline: 0,
    });
    expect(stderr).toBe('');
  });

  it('wait shows the place in line on its progress line, follows it as it moves up, and warns once', async () => {
    // The task ahead leaves the queue once the CLI shows it waiting 2nd: the next poll shows the new place.
    let cancelled: ReturnType<typeof server.call> | undefined;
    const { output } = await runInTerminal(['wait', second, '--timeout', '3'], {
      env,
      typeWhen: /queued: 2nd in line/,
      onMatch: () => {
        cancelled = server.call('DELETE', `${env.VIDFORGE_BASE_URL}/${env.VIDFORGE_ENDPOINT}/video/tasks/${first}`);
      },
    });
    expect((await cancelled)?.body.status).toBe('FAIL');
    expect(output).toMatch(/\[-+\] +0% PENDING +\d+:\d\d queued: 2nd in line/);
    expect(output).toMatch(/\[-+\] +0% PENDING +\d+:\d\d queued: 1st in line/);
    expect(output.split(`vidforge: warning: ${WARNING}`).length - 1).toBe(1);
  });

  it('words positions as ordinals, and a capped count as a lower bound', () => {
    expect([1, 2, 3, 4, 11, 12, 13, 21, 22, 23, 101, 111, 112].map(ordinal)).toEqual([
      '1st',
      '2nd',
      '3rd',
      '4th',
      '11th',
      '12th',
      '13th',
      '21st',
      '22nd',
      '23rd',
      '101st',
      '111th',
      '112th',
    ]);
    const pending = (position: number, positionIsLowerBound: boolean) =>
      ({
        status: 'PENDING',
        queue: { position, positionIsLowerBound, runnerFamily: null, runnersOnline: null },
      }) as Parameters<typeof queuePlace>[0];
    expect(queuePlace(pending(1, false))).toBe('queued: 1st in line');
    expect(queuePlace(pending(1000, true))).toBe('queued: 1000th or later in line');
  });
});
