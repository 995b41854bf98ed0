/**
 * Real `vidforge runner` processes for the process-level tests: spawned with this Node (24), their
 * stderr log collected, killed and awaited by the test that started them (and by `killAll` after
 * a failed test).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { Vidforge } from '@vidforge/sdk';
import { type TestServer, tempDir } from '@vidforge/server/testing';
import { BIN, baseEnv, type CliResult, runCli } from '../support/run-cli.ts';

export interface RunnerProcess {
  child: ChildProcess;
  /** Everything it wrote so far (stderr and stdout). */
  log(): string;
  /** Resolves once the log matches; rejects after `timeoutMs` or when the process exits first. */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<RegExpExecArray>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

const live = new Set<ChildProcess>();

/** The environment of a child: no VIDFORGE_* from the developer's shell. */
export function childEnv(extra: Record<string, string | undefined> = {}): Record<string, string | undefined> {
  return { ...baseEnv(process.env.XDG_CONFIG_HOME ?? '/nonexistent'), ...extra };
}

export function spawnRunner(
  server: TestServer,
  token: string | undefined,
  args: string[] = [],
  env: Record<string, string | undefined> = {},
): RunnerProcess {
  const child = spawn(process.execPath, [BIN, 'runner', '--server', server.url, ...args], {
    env: childEnv({ VIDFORGE_RUNNER_TOKEN: token, ...env }) as NodeJS.ProcessEnv,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  live.add(child);
  let output = '';
  const listeners = new Set<() => void>();
  const onData = (chunk: Buffer) => {
    output += chunk.toString('utf8');
    for (const listener of listeners) listener();
  };
  child.stdout!.on('data', onData);
  child.stderr!.on('data', onData);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => {
      live.delete(child);
      resolve({ code, signal });
      for (const listener of listeners) listener();
    }),
  );
  return {
    child,
    log: () => output,
    exited,
    waitFor(pattern, timeoutMs = 20_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const match = pattern.exec(output);
          if (match) {
            done();
            resolve(match);
          } else if (child.exitCode !== null || child.signalCode !== null) {
            done();
            reject(new Error(`runner exited before ${pattern}:\n${output}`));
          }
        };
        const timer = setTimeout(() => {
          done();
          reject(new Error(`runner log never matched ${pattern}:\n${output}`));
        }, timeoutMs);
        const done = () => {
          clearTimeout(timer);
          listeners.delete(check);
        };
        listeners.add(check);
        check();
      });
    },
  };
}

/** SIGKILLs every runner still alive (after a failed test) and waits for them. */
export async function killAll(): Promise<void> {
  await Promise.all(
    [...live].map(
      (child) =>
        new Promise<void>((resolve) => {
          child.once('exit', () => resolve());
          child.kill('SIGKILL');
        }),
    ),
  );
}

/** The SDK client of an endpoint on the test server. */
export const clientOf = (server: TestServer, endpointPath: string) =>
  new Vidforge({ baseUrl: server.basePath, endpointPath, accessKey: server.key, timeoutMs: 10_000 });

/** `vidforge runners ...` (or any admin command) on the test server's database. */
export function admin(server: TestServer, args: string[]): Promise<CliResult> {
  return runCli(args, { env: childEnv({ VIDFORGE_DATA_DIR: server.dataDir }) });
}

/** Polls until `check` returns a value (not undefined); throws with the last error after the deadline. */
export async function eventually<T>(check: () => Promise<T | undefined>, timeoutMs = 15_000, everyMs = 50): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) throw new Error(`condition not met in ${timeoutMs} ms${last ? `: ${last}` : ''}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

export { tempDir };
