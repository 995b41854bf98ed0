/** Logs: JSON lines with level names for collectors; one readable line per event on a terminal. */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { createLogger, formatLine } from '../../src/boot/logger.ts';

const LOGGER = fileURLToPath(new URL('../../src/boot/logger.ts', import.meta.url));

function sink(isTTY: boolean) {
  const lines: string[] = [];
  const out = { isTTY, write: (chunk: string) => lines.push(...String(chunk).split('\n').filter(Boolean)) };
  return { out: out as unknown as NodeJS.WriteStream, lines };
}

describe('the server log', () => {
  it('writes JSON with level names when stdout is not a terminal', async () => {
    const { out, lines } = sink(false);
    createLogger('info', out).info({ taskId: 't1', durationMs: 12 }, 'task succeeded');
    await new Promise((r) => setTimeout(r, 10));
    expect(JSON.parse(lines[0]!)).toMatchObject({ level: 'info', msg: 'task succeeded', taskId: 't1', durationMs: 12 });
  });

  it('writes one readable line per event on a terminal, with the error stack below it', async () => {
    const { out, lines } = sink(true);
    const log = createLogger('info', out);
    log.info({ taskId: 't1', message: 'two words' }, 'task failed');
    log.error({ err: new Error('boom') }, 'engine crashed');
    await new Promise((r) => setTimeout(r, 10));
    expect(lines[0]).toMatch(/^\d\d:\d\d:\d\d\.\d{3} INFO {2}task failed taskId=t1 message="two words"$/);
    expect(lines[1]).toMatch(/^\d\d:\d\d:\d\d\.\d{3} ERROR engine crashed$/);
    expect(lines[2]).toMatch(/^ {4}Error: boom$/);
    expect(lines[3]).toMatch(/^ {4}\s*at /);
  });

  it('writes every line to standard output before the process exits, even at once after logging', async () => {
    // Standard output is a pipe here, as under a container runtime or a process manager.
    const script = `const { createLogger } = await import(${JSON.stringify(LOGGER)});
      const log = createLogger('info');
      for (let i = 0; i < 500; i++) log.info({ i }, 'line');
      log.debug('not at this level');
      process.exit(0);`;
    const { stdout } = await promisify(execFile)(process.execPath, ['--input-type=module', '-e', script]);
    const lines = stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(lines).toHaveLength(500);
    expect(lines[499]).toMatchObject({ level: 'info', msg: 'line', i: 499 });
  });

  it('passes a line that is not JSON through unchanged', () => {
    expect(formatLine('plain text')).toBe('plain text');
  });
});
