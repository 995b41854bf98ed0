/** `vidforge generate | upscale | extend`: submit a task, optionally wait for it and download it. */
import { parse } from '../args.ts';
import { usageError } from '../cli-error.ts';
import { awaitTask } from '../client/await-task.ts';
import { CONNECTION_FLAGS, CONNECTION_HELP, clientFor, resolveConnection } from '../client/connection.ts';
import { fail } from '../client/errors.ts';
import { type OutputMode, outputMode } from '../client/report.ts';
import { extendBody, generateBody, upscaleBody } from '../client/request-flags.ts';
import { printJson } from '../output.ts';

export const SUBMIT_HELP = `vidforge generate "PROMPT" [--negative TEXT] [--image URL] [--seed N] [--duration 2|4|8]
                  [--aspect 16:9|9:16|4:3|3:4|1:1] [--wait] [-o FILE] [--timeout SECONDS]
vidforge upscale SOURCE_VIDEO_URL [--wait] [-o FILE] [--timeout SECONDS]
vidforge extend SOURCE_VIDEO_URL [--prompt TEXT] [--negative TEXT] [--seconds 2|4] [--guidance 1..20]
                  [--seed N] [--wait] [-o FILE] [--timeout SECONDS]`;

const SUBMIT_DETAILS = `Prints the task id. --wait follows the task to the end (progress bar on a terminal);
-o FILE also downloads the video (implies --wait; "-o -" writes it to stdout).
--idempotency-key KEY makes re-running the same command return the same task.`;

export const WAIT_FLAGS = {
  wait: { type: 'boolean' },
  output: { type: 'string', short: 'o' },
  timeout: { type: 'string' },
} as const;

const SUBMIT_FLAGS = { ...CONNECTION_FLAGS, ...WAIT_FLAGS, 'idempotency-key': { type: 'string' } } as const;

export function timeoutOf(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d+(\.\d+)?$/.test(value) || Number(value) <= 0) {
    throw usageError(`--timeout: expected a number of seconds, got "${value}"`);
  }
  return Number(value) * 1000;
}

function helpRequested(help: boolean | undefined): boolean {
  if (help) process.stdout.write(`${SUBMIT_HELP}\n\n${SUBMIT_DETAILS}\n\n${CONNECTION_HELP}\n`);
  return help === true;
}

type SubmitValues = {
  [K in keyof typeof SUBMIT_FLAGS]?: (typeof SUBMIT_FLAGS)[K]['type'] extends 'boolean' ? boolean : string;
};

async function submitAndMaybeWait(
  values: SubmitValues,
  send: (client: ReturnType<typeof clientFor>, idempotencyKey: string | undefined) => Promise<{ taskId: string }>,
): Promise<void> {
  const mode: OutputMode = outputMode(values.json);
  const timeoutMs = timeoutOf(values.timeout);
  const client = clientFor(await resolveConnection(values));
  let taskId: string;
  try {
    ({ taskId } = await send(client, values['idempotency-key']));
  } catch (error) {
    fail(mode, error);
  }
  if (!values.wait && values.output === undefined) {
    if (mode.machine) return printJson({ taskId });
    process.stdout.write(`${taskId}\nFollow it with: vidforge wait ${taskId}   (or: vidforge status ${taskId})\n`);
    return;
  }
  if (!mode.machine) process.stderr.write(`Submitted task ${taskId}\n`);
  await awaitTask(client, mode, taskId, { output: values.output, timeoutMs });
}

export async function generate(argv: string[]): Promise<void> {
  const { values, positionals } = parse(
    argv,
    {
      ...SUBMIT_FLAGS,
      negative: { type: 'string' },
      image: { type: 'string' },
      seed: { type: 'string' },
      duration: { type: 'string' },
      aspect: { type: 'string' },
    },
    1,
  );
  if (helpRequested(values.help)) return;
  const body = generateBody(positionals[0], values);
  await submitAndMaybeWait(values, (client, idempotencyKey) => client.generate(body, { idempotencyKey }));
}

export async function upscale(argv: string[]): Promise<void> {
  const { values, positionals } = parse(argv, SUBMIT_FLAGS, 1);
  if (helpRequested(values.help)) return;
  const body = upscaleBody(positionals[0]);
  await submitAndMaybeWait(values, (client, idempotencyKey) => client.upscale(body, { idempotencyKey }));
}

export async function extend(argv: string[]): Promise<void> {
  const { values, positionals } = parse(
    argv,
    {
      ...SUBMIT_FLAGS,
      prompt: { type: 'string' },
      negative: { type: 'string' },
      seconds: { type: 'string' },
      guidance: { type: 'string' },
      seed: { type: 'string' },
    },
    1,
  );
  if (helpRequested(values.help)) return;
  const body = extendBody(positionals[0], values);
  await submitAndMaybeWait(values, (client, idempotencyKey) => client.extend(body, { idempotencyKey }));
}
