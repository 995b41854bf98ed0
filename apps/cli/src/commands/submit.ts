/** `vidforge generate | upscale | extend`: submit a task, optionally wait for it and download it. */
import { parse } from '../args.ts';
import { usageError } from '../cli-error.ts';
import { awaitTask, refuseVideoToTerminal } from '../client/await-task.ts';
import { CONNECTION_FLAGS, CONNECTION_HELP, clientFor, resolveConnection } from '../client/connection.ts';
import { fail } from '../client/errors.ts';
import { checkLocalFile, isUrl, type LocalSource, PENDING_UPLOAD, uploadLocal } from '../client/local-source.ts';
import { type OutputMode, outputMode } from '../client/report.ts';
import { extendBody, generateBody, upscaleBody } from '../client/request-flags.ts';
import { printJson } from '../output.ts';

export const SUBMIT_HELP = `vidforge generate "PROMPT" [--negative TEXT] [--image URL|FILE] [--seed N] [--duration 2|4|8]
                  [--aspect 16:9|9:16|4:3|3:4|1:1] [--wait] [-o FILE] [--timeout SECONDS]
vidforge upscale VIDEO_URL|FILE [--wait] [-o FILE] [--timeout SECONDS]
vidforge extend VIDEO_URL|FILE [--prompt TEXT] [--negative TEXT] [--seconds 2|4] [--guidance 1..20]
                  [--seed N] [--wait] [-o FILE] [--timeout SECONDS]`;

const SUBMIT_DETAILS = `A source that is not an http(s) URL is a local file: it is uploaded first.
Prints the task id. --wait follows the task to the end (progress bar on a terminal);
-o FILE also downloads the video (implies --wait; "-o -" writes it to stdout).
--idempotency-key KEY makes re-running the same command return the same task.`;

/** What `vidforge generate --help` (and upscale, extend) prints. */
export const SUBMIT_USAGE = `${SUBMIT_HELP}\n\n${SUBMIT_DETAILS}\n\n${CONNECTION_HELP}`;

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
  if (help) process.stdout.write(`${SUBMIT_USAGE}\n`);
  return help === true;
}

type SubmitValues = {
  [K in keyof typeof SUBMIT_FLAGS]?: (typeof SUBMIT_FLAGS)[K]['type'] extends 'boolean' ? boolean : string;
};

/** The source as given when it is a URL (or absent); a checked local file otherwise. */
async function localSource(value: string | undefined, kind: 'image' | 'video', label: string) {
  return value === undefined || isUrl(value) ? undefined : checkLocalFile(value, kind, label);
}

async function submitAndMaybeWait(
  values: SubmitValues,
  local: LocalSource | undefined,
  send: (
    client: ReturnType<typeof clientFor>,
    idempotencyKey: string | undefined,
    uploaded: string,
  ) => Promise<{ taskId: string }>,
): Promise<void> {
  refuseVideoToTerminal(values.output);
  const mode: OutputMode = outputMode(values.json);
  const timeoutMs = timeoutOf(values.timeout);
  const client = clientFor(await resolveConnection(values));
  const uploaded = local ? await uploadLocal(client, local, mode) : PENDING_UPLOAD;
  let taskId: string;
  try {
    ({ taskId } = await send(client, values['idempotency-key'], uploaded));
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
  const local = await localSource(values.image, 'image', '--image');
  const body = generateBody(positionals[0], { ...values, image: local ? PENDING_UPLOAD : values.image });
  await submitAndMaybeWait(values, local, (client, idempotencyKey, uploaded) =>
    client.generate(local ? { ...body, config: { ...body.config, sourceImage: uploaded } } : body, { idempotencyKey }),
  );
}

export async function upscale(argv: string[]): Promise<void> {
  const { values, positionals } = parse(argv, SUBMIT_FLAGS, 1);
  if (helpRequested(values.help)) return;
  const local = await localSource(positionals[0], 'video', 'the source video');
  const body = upscaleBody(local ? PENDING_UPLOAD : positionals[0]);
  await submitAndMaybeWait(values, local, (client, idempotencyKey, uploaded) =>
    client.upscale(local ? { config: { sourceVideo: uploaded } } : body, { idempotencyKey }),
  );
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
  const local = await localSource(positionals[0], 'video', 'the source video');
  const body = extendBody(local ? PENDING_UPLOAD : positionals[0], values);
  await submitAndMaybeWait(values, local, (client, idempotencyKey, uploaded) =>
    client.extend(local ? { ...body, config: { ...body.config, sourceVideo: uploaded } } : body, { idempotencyKey }),
  );
}
