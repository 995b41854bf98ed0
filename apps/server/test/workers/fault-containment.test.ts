/** The fault scopes in a real process, with the handler `vidforge serve` installs. */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { expect, it } from 'vitest';

it('contains faults of a task and of a request; a fault outside both ends the process', async () => {
  const { code, stdout } = await new Promise<{ code: number | null; stdout: string }>((resolve) => {
    const child = execFile(process.execPath, [join(import.meta.dirname, 'fault-child.ts')], (error, out) =>
      resolve({ code: error ? ((error as { code?: number }).code ?? null) : 0, stdout: out }),
    );
    child.stdin?.end();
  });
  expect(stdout.split('\n').filter(Boolean)).toEqual([
    'task: rejected INTERNAL_ERROR',
    'request: failed alone',
    'alive',
    'fatal: server fault',
  ]);
  expect(code).toBe(1);
});
