/**
 * `vidforge runner`: the reference runner. Pulls tasks from a Vidforge server over the runner
 * protocol (docs/runner-protocol.md) and runs them with the same preview engine the server runs
 * in-process, so the results are the same. One log line per task event goes to stderr.
 */
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { TaskType } from '@vidforge/contract';
import { createRunner, type Executor, RunnerClient, type RunnerLog } from '@vidforge/runner';
import { parse } from '../args.ts';
import { CliError, EXIT, usageError } from '../cli-error.ts';
import { checkFamily, checkOperation, integerFlag, listFlag } from '../runner/flags.ts';

export const RUNNER_HELP = `vidforge runner --server URL [--token TOKEN] [--concurrency N] [--engines FAMILY,...]
                [--operations generate,upscale,extend] [--work-dir DIR] [--grace SECONDS]`;

const DETAILS = `Pulls tasks from the server at URL (also VIDFORGE_RUNNER_SERVER) and runs them with the preview
engine, for every engine family listed (default: preview). The runner token comes from --token or
VIDFORGE_RUNNER_TOKEN; prefer the variable: a flag shows in the process list.
  --concurrency N   tasks at once (default 1; the token's concurrency caps it on the server)
  --operations      operations to take (default: all the token allows)
  --work-dir DIR    where tasks run (default: a fresh directory under the system temp dir)
  --grace SECONDS   on SIGTERM/SIGINT, how long running tasks may finish before they are given
                    back to the queue (default 10; a second signal gives them back at once)
ffmpeg settings (VIDFORGE_FFMPEG, VIDFORGE_FFMPEG_THREADS, ...) are the server's; keep
VIDFORGE_FFMPEG_THREADS equal on both for byte-identical results.`;

/** What `vidforge runner --help` prints. */
export const RUNNER_USAGE = `${RUNNER_HELP}\n\n${DETAILS}`;

const FLAGS = {
  server: { type: 'string' },
  token: { type: 'string' },
  concurrency: { type: 'string' },
  engines: { type: 'string' },
  operations: { type: 'string' },
  'work-dir': { type: 'string' },
  grace: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

const CONCURRENCY_MAX = 64;

/** Plain log lines on stderr: time, level, message. Server-provided text is made printable by the runner package. */
function stderrLog(): RunnerLog {
  const line = (level: string) => (message: string) =>
    process.stderr.write(`${new Date().toISOString()} ${level} ${message}\n`);
  return { info: line('INFO'), warn: line('WARN'), error: line('ERROR') };
}

async function previewExecutor(): Promise<{ executor: Executor; ffmpegVersion: string }> {
  const { checkFfmpeg, createPreviewEngine, mediaEnvInput, parseMediaConfig } = await import(
    '@vidforge/server/engines'
  );
  const input = Object.fromEntries(
    Object.entries(mediaEnvInput(process.env)).filter(([, value]) => value !== undefined && value !== ''),
  );
  let media: ReturnType<typeof parseMediaConfig>;
  try {
    media = parseMediaConfig(input);
  } catch (error) {
    const issues = (error as { issues?: { path: PropertyKey[]; message: string }[] }).issues ?? [];
    const lines = issues.map((i) => `  - ${String(i.path[0])}: ${i.message}`).join('\n');
    throw new CliError(`bad ffmpeg settings:\n${lines || (error as Error).message}`, EXIT.config);
  }
  try {
    const ffmpeg = await checkFfmpeg(media);
    return { executor: createPreviewEngine({ ffmpeg, media }), ffmpegVersion: ffmpeg.ffmpegVersion };
  } catch (error) {
    throw new CliError((error as Error).message, EXIT.config);
  }
}

export async function runner(argv: string[]): Promise<void> {
  const { values } = parse(argv, FLAGS);
  if (values.help) {
    process.stdout.write(`${RUNNER_USAGE}\n`);
    return;
  }
  const server = values.server ?? process.env.VIDFORGE_RUNNER_SERVER;
  if (!server) throw usageError('runner needs --server URL (the Vidforge server to take tasks from)');
  const token = values.token ?? process.env.VIDFORGE_RUNNER_TOKEN;
  if (!token) {
    throw new CliError(
      'no runner token: set VIDFORGE_RUNNER_TOKEN (or --token); make one with `vidforge runners create`',
      EXIT.config,
    );
  }
  const concurrency = integerFlag('concurrency', values.concurrency, 1, CONCURRENCY_MAX) ?? 1;
  const engines = listFlag('engines', values.engines, checkFamily) ?? ['preview'];
  const operations = listFlag('operations', values.operations, checkOperation) as TaskType[] | undefined;
  const graceMs = (integerFlag('grace', values.grace, 0, 3600) ?? 10) * 1000;
  const log = stderrLog();

  let client: RunnerClient;
  try {
    client = new RunnerClient({
      serverUrl: server,
      token,
      onClaimRetry: (error, delayMs) => {
        const why =
          error.status === 0
            ? `cannot reach the server at ${client.origin}`
            : error.code === 'RUNNER_AT_CAPACITY'
              ? 'this runner token holds all the tasks it may (leases of an earlier run expire soon)'
              : `the server at ${client.origin} is busy or unavailable`;
        log.warn(`${why} (${error.code}: ${error.message}); retrying in ${(delayMs / 1000).toFixed(1)} s`);
      },
    });
  } catch (error) {
    throw usageError(`--server: ${(error as Error).message}`);
  }

  const { executor, ffmpegVersion } = await previewExecutor();
  const ownWorkDir = values['work-dir'] === undefined;
  const workRoot = ownWorkDir ? await mkdtemp(join(tmpdir(), 'vidforge-runner-')) : resolve(values['work-dir']!);
  await mkdir(workRoot, { recursive: true });

  const loop = createRunner({ client, executor, concurrency, engines, operations, workRoot, log });
  let signal: NodeJS.Signals | undefined;
  const onSignal = (name: NodeJS.Signals) => {
    if (signal === undefined) {
      signal = name;
      log.info(`${name}: stopping; running tasks get ${graceMs / 1000} s, then go back to the queue`);
      void loop.stop(graceMs);
    } else {
      log.info(`${name} again: giving running tasks back to the queue now`);
      void loop.stop(0);
    }
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);

  log.info(
    `runner started: server ${client.origin}, engines ${engines.join(',')}, operations ${operations?.join(',') ?? 'all allowed'}, concurrency ${concurrency}, ffmpeg ${ffmpegVersion}`,
  );
  const exit = await loop.start();
  if (ownWorkDir) await rm(workRoot, { recursive: true, force: true }).catch(() => {});
  process.off('SIGTERM', onSignal);
  process.off('SIGINT', onSignal);

  if (exit.reason === 'unauthorized') {
    throw new CliError(
      `the server refused the runner token (${exit.error.message}): it is unknown or revoked; make a new one with \`vidforge runners create\``,
      EXIT.auth,
    );
  }
  if (exit.reason === 'refused') {
    throw new CliError(
      `the server refused what this runner asked for (${exit.error.code}: ${exit.error.message}); check --engines and --operations against the token`,
      exit.error.status === 403 ? EXIT.auth : EXIT.usage,
    );
  }
  log.info('runner stopped');
  process.exit(signal === 'SIGINT' ? EXIT.interrupted : EXIT.ok);
}
