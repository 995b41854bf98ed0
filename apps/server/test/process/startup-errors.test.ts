/**
 * `vidforge serve` that cannot start says why in one line, with an exit code per kind, and never a
 * stack; a misspelt VIDFORGE_* variable is reported instead of ignored.
 */
import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { tempDir } from '../support/index.ts';

const BIN = fileURLToPath(new URL('../../../cli/bin/vidforge.js', import.meta.url));
let dir: Awaited<ReturnType<typeof tempDir>>;
const taken = createServer();
let takenPort: number;
/** A port nothing listens on: connections are refused at once. */
let closedPort: number;

beforeAll(async () => {
  dir = await tempDir();
  await writeFile(join(dir.path, 'a-file'), 'not a directory');
  await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
  takenPort = (taken.address() as AddressInfo).port;
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  closedPort = (probe.address() as AddressInfo).port;
  await new Promise((resolve) => probe.close(resolve));
});
afterAll(async () => {
  taken.close();
  await dir?.remove();
});

function serve(env: Record<string, string>): Promise<{ code: number; stderr: string }> {
  return new Promise((resolve) => {
    const child = execFile(
      process.execPath,
      [BIN, 'serve'],
      {
        env: { ...process.env, VIDFORGE_DATA_DIR: join(dir.path, 'data'), VIDFORGE_PORT: '0', ...env },
        timeout: 20_000,
      },
      (error, _stdout, stderr) => resolve({ code: (error as { code?: number } | null)?.code ?? 0, stderr }),
    );
    // A server that did start is stopped once it says so: the cases here must not start.
    child.stderr?.on('data', (chunk: Buffer) => {
      if (chunk.toString().includes('listening on')) child.kill('SIGTERM');
    });
  });
}

it.each([
  ['a port in use', () => ({ VIDFORGE_PORT: String(takenPort) }), 11, /port \d+ on 127\.0\.0\.1 is already in use/],
  ['a data directory that is a file', () => ({ VIDFORGE_DATA_DIR: join(dir.path, 'a-file') }), 10, /is a file/],
  [
    'a data directory that cannot be made',
    () => ({ VIDFORGE_DATA_DIR: '/proc/nope' }),
    10,
    /\/proc\/nope.*cannot be created/,
  ],
  [
    'an unknown host',
    () => ({ VIDFORGE_HOST: 'no-such-host.invalid' }),
    11,
    /no-such-host\.invalid \(VIDFORGE_HOST\) does not resolve/,
  ],
  [
    'missing ffmpeg',
    () => ({ VIDFORGE_FFMPEG: '/nonexistent/ffmpeg' }),
    12,
    /ffmpeg not found as "\/nonexistent\/ffmpeg"/,
  ],
  [
    'a PostgreSQL server that is not there',
    () => ({ VIDFORGE_DATABASE_URL: `postgres://vf:secret-password@127.0.0.1:${closedPort}/vidforge` }),
    13,
    /cannot open the database: .*127\.0\.0\.1:\d+\/vidforge/,
  ],
  [
    'a PostgreSQL database that does not exist',
    () => ({ VIDFORGE_DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/vf_no_such_database' }),
    13,
    /vf_no_such_database/,
  ],
])('%s: one clear message, its own exit code, no stack', async (_name, env, code, message) => {
  const result = await serve(env());
  expect(result.stderr).toMatch(message);
  expect(result.stderr).not.toMatch(/\n\s+at /);
  expect(result.code).toBe(code);
  expect(result.stderr).not.toContain('secret-password');
});

it('reports a misspelt VIDFORGE_* variable with the name it probably meant', async () => {
  const result = await serve({ VIDFORGE_WORKER: '3', VIDFORGE_FFMPEG: '/nonexistent/ffmpeg' });
  expect(result.stderr).toMatch(
    /warning: VIDFORGE_WORKER is not a Vidforge setting and is ignored; did you mean VIDFORGE_WORKERS\?/,
  );
});
