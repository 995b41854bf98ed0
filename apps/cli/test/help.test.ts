/** `vidforge --version`, `vidforge help COMMAND` and `vidforge COMMAND --help`, for every command. */
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import { expect, it } from 'vitest';
import { BIN } from './support/run-cli.ts';

async function vidforge(...args: string[]) {
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [BIN, ...args]);
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

it('--version prints the version and exits 0', async () => {
  const { version } = JSON.parse(await readFile(new URL('../package.json', import.meta.url), 'utf8'));
  for (const flag of ['--version', '-V', 'version']) {
    const result = await vidforge(flag);
    expect(result).toMatchObject({ code: 0, stderr: '' });
    expect(result.stdout).toMatch(new RegExp(`^vidforge ${version.replaceAll('.', '\\.')} \\(Node \\d+`));
  }
});

it.each([
  ['serve', /vidforge serve \[--config FILE\] \[--role/],
  ['endpoints', /vidforge endpoints create/],
  ['keys', /vidforge keys create/],
  ['runners', /vidforge runners/],
  ['runner', /vidforge runner/],
  ['migrate', /vidforge migrate \[--json\]/],
  ['generate', /vidforge generate/],
  ['status', /vidforge status/],
  ['login', /vidforge login/],
])('%s: its own help from "help %s" and from "%s --help", exit 0', async (command, pattern) => {
  const [viaHelp, viaFlag] = await Promise.all([vidforge('help', command), vidforge(command, '--help')]);
  for (const result of [viaHelp, viaFlag]) {
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(pattern);
  }
  expect(viaFlag.stdout).toBe(viaHelp.stdout);
});

it('help for an unknown command is a usage error', async () => {
  const result = await vidforge('help', 'nope');
  expect(result.code).toBe(2);
  expect(result.stderr).toMatch(/unknown command "nope"/);
});
