/** `vidforge status | wait | cancel | list | download`: commands on existing tasks. */
import type { Task, TaskStatus } from '@vidforge/sdk';
import { ID_ARG, parse } from '../args.ts';
import { usageError } from '../cli-error.ts';
import { awaitTask, interruptible, refuseVideoToTerminal, reportSaved, saveMedia } from '../client/await-task.ts';
import { CONNECTION_FLAGS, CONNECTION_HELP, clientFor, resolveConnection } from '../client/connection.ts';
import { fail } from '../client/errors.ts';
import { outputMode, percent, printTask } from '../client/report.ts';
import { printJson, printTable } from '../output.ts';
import { timeoutOf, WAIT_FLAGS } from './submit.ts';

export const TASKS_HELP = `vidforge status TASK_ID
vidforge wait TASK_ID [-o FILE] [--timeout SECONDS]
vidforge cancel TASK_ID
vidforge list [--status PENDING|IN_PROGRESS|SUCCESS|FAIL] [--limit N] [--cursor CURSOR] [--all]
vidforge download TASK_ID [-o FILE]        (default FILE: TASK_ID.mp4; "-o -" writes to stdout)`;

/** What `vidforge status --help` (and wait, cancel, list, download) prints. */
export const TASKS_USAGE = `${TASKS_HELP}\n\n${CONNECTION_HELP}`;

function help(values: { help?: boolean }): boolean {
  if (values.help) process.stdout.write(`${TASKS_USAGE}\n`);
  return values.help === true;
}

/**
 * A task id that starts with "-" is still a task id, not a flag (ids are base64url); a long run of
 * id characters is needed after "--", so a mistyped flag stays a usage error.
 */

function taskIdOf(positionals: string[], command: string): string {
  const id = positionals[0]?.trim();
  if (!id) throw usageError(`${command} needs a task id: vidforge ${command} TASK_ID`);
  return id;
}

type ConnectionValues = Parameters<typeof resolveConnection>[0] & { json?: boolean; help?: boolean };

/** Resolves the connection and runs `fn`, with SDK errors mapped to exit codes (and JSON in machine mode). */
async function withClient(
  values: ConnectionValues,
  fn: (client: ReturnType<typeof clientFor>, mode: ReturnType<typeof outputMode>) => Promise<void>,
): Promise<void> {
  const mode = outputMode(values.json);
  const client = clientFor(await resolveConnection(values));
  try {
    await fn(client, mode);
  } catch (error) {
    fail(mode, error);
  }
}

export async function status(argv: string[]): Promise<void> {
  const { values, positionals } = parse(argv, CONNECTION_FLAGS, 1, ID_ARG);
  if (help(values)) return;
  const taskId = taskIdOf(positionals, 'status');
  await withClient(values, async (client, mode) => printTask(mode, await client.getTask(taskId)));
}

export async function wait(argv: string[]): Promise<void> {
  const { values, positionals } = parse(argv, { ...CONNECTION_FLAGS, ...WAIT_FLAGS }, 1, ID_ARG);
  if (help(values)) return;
  const taskId = taskIdOf(positionals, 'wait');
  refuseVideoToTerminal(values.output);
  const timeoutMs = timeoutOf(values.timeout);
  await withClient(values, (client, mode) => awaitTask(client, mode, taskId, { output: values.output, timeoutMs }));
}

export async function cancel(argv: string[]): Promise<void> {
  const { values, positionals } = parse(argv, CONNECTION_FLAGS, 1, ID_ARG);
  if (help(values)) return;
  const taskId = taskIdOf(positionals, 'cancel');
  await withClient(values, async (client, mode) => {
    printTask(mode, await client.cancelTask(taskId), {}, `Cancelled task ${taskId}`);
  });
}

export async function download(argv: string[]): Promise<void> {
  const { values, positionals } = parse(
    argv,
    { ...CONNECTION_FLAGS, output: { type: 'string', short: 'o' } },
    1,
    ID_ARG,
  );
  if (help(values)) return;
  const taskId = taskIdOf(positionals, 'download');
  refuseVideoToTerminal(values.output);
  await withClient(values, async (client, mode) => {
    const output = values.output ?? `${taskId}.mp4`;
    const { task, saved } = await interruptible((signal) => saveMedia(client, taskId, output, signal));
    reportSaved(mode, task, saved);
  });
}

async function listQuery(values: { status?: string; limit?: string; cursor?: string }) {
  // Loaded here: the contract pulls in zod, which the other task commands do not need at startup.
  const { LIST_LIMIT_MAX, TASK_STATUSES } = await import('@vidforge/contract');
  const status = values.status?.toUpperCase();
  if (status !== undefined && !(TASK_STATUSES as readonly string[]).includes(status)) {
    throw usageError(`--status: must be one of ${TASK_STATUSES.join(', ')}`);
  }
  if (values.limit !== undefined && !/^[1-9]\d*$/.test(values.limit)) {
    throw usageError(`--limit: expected an integer from 1 to ${LIST_LIMIT_MAX}`);
  }
  const limit = values.limit === undefined ? undefined : Number(values.limit);
  if (limit !== undefined && limit > LIST_LIMIT_MAX) throw usageError(`--limit: at most ${LIST_LIMIT_MAX}`);
  return { status: status as TaskStatus | undefined, limit, cursor: values.cursor };
}

export async function list(argv: string[]): Promise<void> {
  const { values } = parse(argv, {
    ...CONNECTION_FLAGS,
    status: { type: 'string' },
    limit: { type: 'string' },
    cursor: { type: 'string' },
    all: { type: 'boolean' },
  });
  if (help(values)) return;
  const query = await listQuery(values);
  await withClient(values, async (client, mode) => {
    let page: { tasks: Task[]; nextCursor: string | null };
    if (values.all) {
      const tasks: Task[] = [];
      for await (const task of client.listTasks(query)) tasks.push(task);
      page = { tasks, nextCursor: null };
    } else page = await client.listTasksPage(query);
    if (mode.machine) return printJson(page);
    if (page.tasks.length === 0) return void process.stdout.write('No tasks\n');
    printTable(
      ['TASK', 'TYPE', 'STATUS', 'PROGRESS', 'CREATED'],
      page.tasks.map((t) => [t.taskId, t.type, t.status, percent(t), new Date(t.createdAt).toISOString()]),
    );
    if (page.nextCursor) process.stdout.write(`More: vidforge list --cursor ${page.nextCursor}\n`);
  });
}
