/**
 * Human mode, on a real pseudo-terminal from util-linux `script`: the live progress bar on the
 * terminal, Ctrl-C typed into it, and the human renderings of status and list.
 */
import { startTestServer, type TestServer, tempDir } from '@vidforge/server/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXIT } from '../src/cli-error.ts';
import { baseEnv, runInTerminal, serverEnv } from './support/run-cli.ts';

let server: TestServer;
let dir: Awaited<ReturnType<typeof tempDir>>;
let env: Record<string, string | undefined>;

beforeAll(async () => {
  server = await startTestServer();
  dir = await tempDir('vidforge-cli-tty-');
  env = { ...baseEnv(dir.path), ...serverEnv(server) };
});
afterAll(async () => {
  await server.stop();
  await dir.remove();
});

/** The frames of the progress bar, as the terminal received them between carriage returns. */
function frames(output: string): { percent: number; status: string; elapsed: string }[] {
  return [...output.matchAll(/\[[#-]+\] +(\d+)% (\w+) +(\d+:\d\d)/g)].map((m) => ({
    percent: Number(m[1]),
    status: m[2]!,
    elapsed: m[3]!,
  }));
}

describe('on a terminal', () => {
  it('generate --wait draws a live progress bar with status and elapsed time, then the result', async () => {
    const { code, output } = await runInTerminal(['generate', 'test: steps=6 stepMs=150', '--wait'], { env });
    expect(code).toBe(0);
    const seen = frames(output);
    expect(seen.length).toBeGreaterThan(3);
    const percents = seen.map((f) => f.percent);
    expect(percents).toEqual([...percents].sort((a, b) => a - b));
    expect(seen.some((f) => f.status === 'IN_PROGRESS' && f.percent > 0 && f.percent < 100)).toBe(true);
    expect(seen.at(-1)).toMatchObject({ percent: 100, status: 'SUCCESS' });
    // Redrawn in place: carriage return and erase-line before each frame.
    expect(output).toContain('\r\x1b[2K[');
    expect(output).toMatch(/Task \S+ succeeded after \d+:\d\d/);
    expect(output).toMatch(/Status +SUCCESS/);
    expect(output).toMatch(/Video +64x64, 24 fps, 2 s/);
  });

  it('refuses to write a video to the terminal with -o -, before submitting anything', async () => {
    const before = (await server.call('GET', '/video/tasks')).body.tasks.length;
    for (const args of [
      ['generate', 'test: steps=1', '-o', '-'],
      ['download', 'some-task-id', '-o', '-'],
    ]) {
      const { code, output } = await runInTerminal(args, { env });
      expect(code, args.join(' ')).toBe(EXIT.usage);
      expect(output).toContain('refusing to write a video to the terminal');
    }
    expect((await server.call('GET', '/video/tasks')).body.tasks.length).toBe(before);
  });

  it('Ctrl-C while waiting leaves the task running and prints how to resume', async () => {
    const { code, output } = await runInTerminal(['generate', 'test: steps=300 stepMs=100', '--wait'], {
      env,
      keys: '\x03',
      typeWhen: /\] +\d+% IN_PROGRESS/,
    });
    expect(code).toBe(EXIT.interrupted);
    const taskId = /Submitted task (\S+)/.exec(output)?.[1];
    expect(output).toContain(`keeps running on the server. Resume with: vidforge wait ${taskId}`);
    const task = (await server.call('GET', `/video/tasks/${taskId}`)).body;
    expect(task.status).toMatch(/PENDING|IN_PROGRESS/);
    await server.call('DELETE', `/video/tasks/${taskId}`);
  });

  it('status and list print for people; --json prints JSON only, with no progress bar', async () => {
    const [submitted, listed, machine] = await Promise.all([
      runInTerminal(['generate', 'for people'], { env }),
      runInTerminal(['list', '--limit', '2'], { env }),
      runInTerminal(['generate', 'test: steps=3 stepMs=50', '--wait', '--json'], { env }),
    ]);
    const taskId = /^([\w-]+)\r?\n/.exec(submitted.output)?.[1];
    expect(taskId, submitted.output).toBeDefined();
    expect(submitted.output).toContain(`Follow it with: vidforge wait ${taskId}`);
    expect(listed.output).toMatch(/TASK +TYPE +STATUS +PROGRESS +CREATED/);

    const status = await runInTerminal(['status', taskId!], { env });
    expect(status.output).toMatch(new RegExp(`Task +${taskId}`));
    expect(status.output).toMatch(/Type +generate/);

    expect(frames(machine.output), machine.output).toEqual([]);
    expect(machine.output.trimStart().startsWith('{'), machine.output).toBe(true);
    expect(JSON.parse(machine.output)).toMatchObject({ status: 'SUCCESS' });
  });
});

describe('login on a terminal', () => {
  it('asks for the key without echoing it', async () => {
    const home = await tempDir('vidforge-cli-tty-login-');
    try {
      const { code, output } = await runInTerminal(
        ['login', '--base-url', server.basePath, '--endpoint', server.endpointPath],
        { env: baseEnv(home.path), keys: `${server.key}\r`, typeWhen: /Access key: / },
      );
      expect(code, output).toBe(0);
      expect(output).toContain('Access key: ');
      expect(output).toMatch(/Saved profile "default"/);
      expect(output).not.toContain(server.key);
    } finally {
      await home.remove();
    }
  });
});
