/** `vidforge runners …`: operator commands on runner tokens, against the server's database. */
import type { RunnerInfo, TaskType } from '@vidforge/contract';
import type { openAdmin } from '@vidforge/server/admin';
import { ID_ARG, parse } from '../args.ts';
import { usageError } from '../cli-error.ts';
import { printJson, printTable } from '../output.ts';
import { checkFamily, checkOperation, integerFlag, listFlag } from '../runner/flags.ts';

export const RUNNERS_HELP = `vidforge runners create --engines FAMILY,... [--operations generate,upscale,extend] [--concurrency N]
                        [--name NAME] [--json]
vidforge runners list [--json]
vidforge runners revoke RUNNER_ID [--json]`;

const common = { json: { type: 'boolean' }, config: { type: 'string' } } as const;

/** Loaded only once the flags are checked: a usage error never waits for the server's modules. */
async function withAdmin<T>(
  configFile: string | undefined,
  fn: (admin: Awaited<ReturnType<typeof openAdmin>>['admin']) => Promise<T>,
) {
  const { loadConfig, openAdmin } = await import('@vidforge/server/admin');
  const handle = await openAdmin(loadConfig({ file: configFile }));
  try {
    return await fn(handle.admin);
  } finally {
    await handle.close();
  }
}

/** "12 s ago", "5 min ago", "3 h ago", then the date; "never" for a runner that never called. */
export function ago(ms: number | null, now = Date.now()): string {
  if (ms === null) return 'never';
  const seconds = Math.max(0, Math.round((now - ms) / 1000));
  if (seconds < 120) return `${seconds} s ago`;
  if (seconds < 7200) return `${Math.round(seconds / 60)} min ago`;
  if (seconds < 172_800) return `${Math.round(seconds / 3600)} h ago`;
  return new Date(ms).toISOString().slice(0, 10);
}

/** "TASK_ID (attempt 2) 42% rendering the scene", one per running task. */
function runningOf(runner: RunnerInfo): string {
  if (runner.running.length === 0) return '-';
  return runner.running
    .map((t) => {
      const stage = t.stage ? ` ${t.stage}` : '';
      return `${t.taskId} (attempt ${t.attempt}) ${Math.floor(t.progress * 100)}%${stage}`;
    })
    .join('; ');
}

export async function runners(argv: string[]): Promise<void> {
  const [action, ...rest] = argv;
  if (action === 'create') {
    const { values } = parse(rest, {
      ...common,
      name: { type: 'string' },
      engines: { type: 'string' },
      operations: { type: 'string' },
      concurrency: { type: 'string' },
    });
    const engines = listFlag('engines', values.engines, checkFamily);
    if (!engines) throw usageError('runners create needs --engines FAMILY,... (the model families it may serve)');
    const operations = listFlag('operations', values.operations, checkOperation) as TaskType[] | undefined;
    const concurrency = integerFlag('concurrency', values.concurrency, 1, 64);
    const { token, runner } = await withAdmin(values.config, (admin) =>
      admin.createRunner({ name: values.name, engines, operations, concurrency }),
    );
    if (values.json) return printJson({ ...runner, token });
    process.stdout.write(
      `Created runner ${runner.id} (engines ${runner.engines.join(',')}; operations ${runner.operations.join(',')}; concurrency ${runner.concurrency})\n\n  ${token}\n\nShown once: store it now. Only its hash is kept. On the runner's machine:\n  VIDFORGE_RUNNER_TOKEN=… vidforge runner --server URL\n`,
    );
  } else if (action === 'list') {
    const { values } = parse(rest, common);
    const list = await withAdmin(values.config, (admin) => admin.listRunners());
    if (values.json) return printJson(list);
    const now = Date.now();
    printTable(
      ['ID', 'NAME', 'ENGINES', 'OPERATIONS', 'CONCURRENCY', 'LAST SEEN', 'RUNNING'],
      list.map((r) => [
        r.id,
        `${r.name ?? '-'}${r.revokedAt === null ? '' : ' (revoked)'}`,
        r.engines.join(','),
        r.operations.join(','),
        String(r.concurrency),
        ago(r.lastSeenAt, now),
        runningOf(r),
      ]),
    );
  } else if (action === 'revoke') {
    const { values, positionals } = parse(rest, common, 1, ID_ARG);
    if (!positionals[0]) throw usageError('runners revoke needs a runner id: vidforge runners revoke RUNNER_ID');
    const runner = await withAdmin(values.config, (admin) => admin.revokeRunner(positionals[0]!));
    if (values.json) return printJson({ revoked: runner });
    const held = runner.running.length;
    process.stdout.write(
      `Revoked runner ${runner.id}: its next call is refused.${held > 0 ? ` The ${held} task(s) it holds go back to the queue when their leases expire.` : ''}\n`,
    );
  } else {
    throw usageError(`usage:\n${RUNNERS_HELP}`);
  }
}
