/**
 * Runs the real `vidforge` binary as a child process (Node 24 from vitest's own process), either
 * on pipes (machine mode) or inside a pseudo-terminal made by util-linux `script` (human mode).
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { TestServer } from '@vidforge/server/testing';

export const BIN = fileURLToPath(new URL('../../bin/vidforge.js', import.meta.url));

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
  /** stdout as bytes, for `-o -`. */
  raw: Buffer;
}

export interface CliOptions {
  env?: Record<string, string | undefined>;
  /** Written to stdin, which is then closed. */
  input?: string;
  cwd?: string;
  /** Called once the child is running, e.g. to send it a signal. */
  onSpawn?: (child: ReturnType<typeof spawn>) => void;
}

/** VIDFORGE_* from the developer's shell must not leak into the tests; polling is made quick. */
export function baseEnv(configHome: string): Record<string, string | undefined> {
  const env: Record<string, string | undefined> = {};
  for (const [key, value] of Object.entries(process.env)) if (!key.startsWith('VIDFORGE_')) env[key] = value;
  return { ...env, XDG_CONFIG_HOME: configHome, VIDFORGE_POLL_INTERVAL_MS: '50' };
}

/** The connection of a test server, as the environment variables the CLI reads. */
export function serverEnv(server: TestServer): Record<string, string> {
  return {
    VIDFORGE_BASE_URL: server.basePath,
    VIDFORGE_ENDPOINT: server.endpointPath,
    VIDFORGE_ACCESS_KEY: server.key,
  };
}

export function runCli(args: string[], options: CliOptions = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      env: options.env as NodeJS.ProcessEnv,
      cwd: options.cwd,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (c: Buffer) => out.push(c));
    child.stderr.on('data', (c: Buffer) => err.push(c));
    child.on('error', reject);
    child.on('close', (code) => {
      const raw = Buffer.concat(out);
      resolve({ code, raw, stdout: raw.toString('utf8'), stderr: Buffer.concat(err).toString('utf8') });
    });
    child.stdin.end(options.input ?? '');
    options.onSpawn?.(child);
  });
}

const quote = (s: string) => `'${s.replaceAll("'", `'\\''`)}'`;

/**
 * Runs the binary on a pseudo-terminal (`script -qfec CMD /dev/null`): stdout and stderr are both
 * the terminal, so the CLI behaves as for a person. Returns everything the terminal showed, and
 * `script -e` passes the command's exit code through. Once the output matches `typeWhen`, `keys`
 * are typed into the terminal (e.g. "\x03" is Ctrl-C, delivered as SIGINT by the terminal itself)
 * and `onMatch` is called, so a test acts when the command shows something, not after a guess.
 */
export function runInTerminal(
  args: string[],
  options: {
    env?: Record<string, string | undefined>;
    keys?: string;
    typeWhen?: RegExp;
    onMatch?: () => void;
    columns?: number;
  } = {},
): Promise<{ code: number | null; output: string }> {
  const command = `stty cols ${options.columns ?? 100} rows 30; exec ${[process.execPath, BIN, ...args].map(quote).join(' ')}`;
  return new Promise((resolve, reject) => {
    const child = spawn('script', ['-qfec', command, '/dev/null'], {
      env: options.env as NodeJS.ProcessEnv,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const chunks: Buffer[] = [];
    let matched = options.keys === undefined && options.onMatch === undefined;
    const onData = (c: Buffer) => {
      chunks.push(c);
      if (!matched && (options.typeWhen ?? /./).test(Buffer.concat(chunks).toString('utf8'))) {
        matched = true;
        if (options.keys !== undefined) child.stdin.write(options.keys);
        options.onMatch?.();
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, output: Buffer.concat(chunks).toString('utf8') }));
  });
}
