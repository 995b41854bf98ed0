/**
 * Run as a separate process by fault-containment.test.ts, with the same `uncaughtException`
 * handler as `vidforge serve`: a fault thrown from a timer inside a task scope and inside a request
 * scope must each be contained; one outside every scope must end the process with status 1.
 * Prints one line per event.
 */
import { createFaultContainment } from '../../src/modules/workers/fault-containment.ts';

const faults = createFaultContainment({ error: () => {} });
process.on('uncaughtException', (error) => {
  if (faults.contain(error)) return;
  process.stdout.write(`fatal: ${(error as Error).message}\n`);
  process.exit(1);
});

const boom = (what: string) =>
  setTimeout(() => {
    throw new Error(what);
  });

const task = await faults
  .run('task-1', new AbortController().signal, (signal) => {
    boom('task fault');
    return new Promise((resolve) => signal.addEventListener('abort', () => resolve('aborted')));
  })
  .then(
    (value) => `resolved ${String(value)}`,
    (error: Error & { code?: string }) => `rejected ${error.code}`,
  );
process.stdout.write(`task: ${task}\n`);

await new Promise<void>((resolve) =>
  faults.runRequest(
    'req-1',
    () => {
      process.stdout.write('request: failed alone\n');
      resolve();
    },
    () => boom('request fault'),
  ),
);

process.stdout.write('alive\n');
boom('server fault');
setTimeout(() => process.stdout.write('still running after a server fault\n'), 200);
