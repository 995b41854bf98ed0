/**
 * Admin commands find the server's database the way operators expect: the nearest vidforge-data
 * from the current directory up, said on stderr; with none, they warn before creating an empty
 * one. A key made without an endpoint is called out.
 */
import { execFile } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, expect, it } from 'vitest';
import { tempDir } from '../../server/test/support/index.ts';
import { BIN } from './support/run-cli.ts';

const dirs: { remove(): Promise<void> }[] = [];
afterAll(async () => {
  for (const d of dirs) await d.remove();
});

async function vidforge(args: string[], cwd: string) {
  const env: Record<string, string | undefined> = { ...process.env };
  delete env.VIDFORGE_DATA_DIR;
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [BIN, ...args], { cwd, env });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

it('uses the nearest vidforge-data above the current directory, and warns before creating one', async () => {
  const dir = await tempDir();
  dirs.push(dir);
  const first = await vidforge(
    ['endpoints', 'create', '--engine', 'preview', '--path', 'mine1234', '--json'],
    dir.path,
  );
  expect(first.code).toBe(0);
  expect(first.stderr).toMatch(/warning: no Vidforge database in .*vidforge-data or above: creating an empty one/);

  const deep = join(dir.path, 'a', 'b');
  await mkdir(deep, { recursive: true });
  const listed = await vidforge(['endpoints', 'list', '--json'], deep);
  expect(listed.stderr).toContain(`using the data directory ${join(dir.path, 'vidforge-data')}`);
  expect(JSON.parse(listed.stdout).map((e: { path: string }) => e.path)).toEqual(['mine1234']);

  const again = await vidforge(['endpoints', 'list', '--json'], dir.path);
  expect(again.stderr).toBe('');
});

it('warns when a key is created without an endpoint, and says how to grant one', async () => {
  const dir = await tempDir();
  dirs.push(dir);
  const created = await vidforge(['keys', 'create', '--json'], dir.path);
  expect(created.code).toBe(0);
  const { id } = JSON.parse(created.stdout) as { id: string };
  expect(created.stderr).toContain(`key ${id} may use no endpoint yet`);
  expect(created.stderr).toContain(`vidforge keys grant ${id} ENDPOINT_PATH`);
});
