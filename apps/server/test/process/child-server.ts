/** Runs `vidforge serve` as a child process, the way an operator does, for crash and signal tests. */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { FAST_SETTINGS } from '../support/index.ts';

const BIN = fileURLToPath(new URL('../../../cli/bin/vidforge.js', import.meta.url));

export interface ChildServer {
  child: ChildProcess;
  url: string;
  output: () => string;
  exited: Promise<number | null>;
}

/** Starts `vidforge serve ARGS`; resolves once it printed where it listens (or, without the API role, that it runs). */
export async function spawnServer(env: Record<string, string>, args: string[] = []): Promise<ChildServer> {
  const child = spawn(process.execPath, [BIN, 'serve', ...args], {
    env: { ...process.env, ...FAST_SETTINGS, VIDFORGE_LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (d) => {
    output += d;
  });
  child.stderr!.on('data', (d) => {
    output += d;
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start:\n${output}`)), 20_000);
    const check = () => {
      const match = /listening on (http:\/\/\S+)|(running with roles)/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve(match[1] ?? '');
      }
    };
    // The banner is on stderr (stdout carries the log).
    child.stderr!.on('data', check);
    child.on('exit', () => reject(new Error(`server exited:\n${output}`)));
  });
  return { child, url, output: () => output, exited };
}

/**
 * Before the server's first start: an endpoint on the test engine (and, when asked, one on the
 * preview engine) and a key for them, made with the admin commands, so first-run bootstrap creates
 * nothing else.
 */
export function prepareTestAccess(
  dataDir: string,
  path = 'testengine',
  options: { previewPath?: string } = {},
): { endpointPath: string; key: string } {
  const env = { ...process.env, VIDFORGE_DATA_DIR: dataDir, VIDFORGE_ENABLE_TEST_ENGINE: 'true' };
  const run = (args: string[]) =>
    JSON.parse(execFileSync(process.execPath, [BIN, ...args, '--json'], { env }).toString());
  const endpoint = run(['endpoints', 'create', '--engine', 'test', '--path', path]);
  const grants = ['--endpoint', endpoint.path];
  if (options.previewPath) {
    run(['endpoints', 'create', '--engine', 'preview', '--path', options.previewPath]);
    grants.push('--endpoint', options.previewPath);
  }
  const { key } = run(['keys', 'create', ...grants]);
  return { endpointPath: endpoint.path, key };
}

/** The seed API of a server process for one endpoint and key: JSON in and out. */
export function seedApi(url: string, endpointPath: string, key: string) {
  const call = async (path: string, body?: unknown): Promise<Record<string, any>> => {
    const response = await fetch(`${url}/v1/ai/${endpointPath}/video/${path}`, {
      method: body ? 'POST' : 'GET',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: body ? JSON.stringify(body) : undefined,
    });
    return (await response.json()) as Record<string, any>;
  };
  return {
    call,
    /** Polls until the task is in one of `statuses`; fails after `polls` looks 50 ms apart. */
    async until(taskId: string, statuses: string[], polls = 300): Promise<Record<string, any>> {
      let task = await call(`tasks/${taskId}`);
      for (let i = 0; !statuses.includes(task.status); i++) {
        if (i >= polls) throw new Error(`task ${taskId} still ${task.status}`);
        await new Promise((r) => setTimeout(r, 50));
        task = await call(`tasks/${taskId}`);
      }
      return task;
    },
  };
}
