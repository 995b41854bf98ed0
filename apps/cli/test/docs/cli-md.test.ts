/** docs/cli.md stays in step with the binary: every client command and every exit code is documented. */
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { EXIT } from '../../src/cli-error.ts';

const CLIENT_COMMANDS = [
  'generate',
  'upscale',
  'extend',
  'status',
  'wait',
  'cancel',
  'list',
  'download',
  'login',
  'logout',
];

describe('docs/cli.md', () => {
  it('documents every client command and exactly the exit codes of cli-error.ts', async () => {
    const markdown = await readFile(resolve(import.meta.dirname, '../../../../docs/cli.md'), 'utf8');
    for (const command of CLIENT_COMMANDS) expect(markdown).toContain(`vidforge ${command}`);
    const section = markdown.slice(markdown.indexOf('## Exit codes'));
    const documented = [...section.matchAll(/^\| (\d+) \|/gm)].map((m) => Number(m[1]));
    expect(documented.sort((a, b) => a - b)).toEqual(Object.values(EXIT).sort((a, b) => a - b));
  });
});
