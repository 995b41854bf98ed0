/**
 * Waiting (and optionally downloading) in the foreground. Ctrl-C stops only this process: the task
 * keeps running on the server, and the message says how to pick it up again.
 */

import { noRunnerWarning } from '@vidforge/sdk';
import type { Task, Vidforge } from '@vidforge/sdk/node';
import { CliError, EXIT, usageError } from '../cli-error.ts';
import { printJson } from '../output.ts';
import { pollInterval } from './connection.ts';
import { fail, resumeCommand, shellWord } from './errors.ts';
import { formatElapsed, ProgressBar } from './progress-bar.ts';
import { formatBytes, type OutputMode, printTask } from './report.ts';

export interface SavedMedia {
  path: string;
  bytes: number;
}

/**
 * `-o -` onto a terminal would fill it with binary noise: refused before anything is sent, as curl
 * and gh do; a pipe or a redirect is what `-` is for.
 */
export function refuseVideoToTerminal(output: string | undefined): void {
  if (output === '-' && process.stdout.isTTY) {
    throw usageError(
      '-o -: refusing to write a video to the terminal; redirect it (> clip.mp4, | ffplay -) or give -o FILE',
    );
  }
}

/** Streams the task's video to `output` (`-` is stdout, left open). */
export async function saveMedia(
  client: Vidforge,
  task: Task | string,
  output: string,
  signal?: AbortSignal,
): Promise<{ task: Task; saved: SavedMedia }> {
  const destination = output === '-' ? process.stdout : output;
  const result = await client.downloadMedia(task, destination, { signal, end: false });
  return { task: result.task, saved: { path: output, bytes: result.bytes } };
}

/** Prints the outcome of a download; with `-o -` stdout holds the video, so only stderr is used. */
export function reportSaved(mode: OutputMode, task: Task, saved: SavedMedia, note?: string): void {
  const line = `Saved ${formatBytes(saved.bytes)} to ${saved.path === '-' ? 'stdout' : saved.path}`;
  if (saved.path === '-') {
    if (!mode.machine) process.stderr.write(`${line}\n`);
    return;
  }
  printTask(mode, task, { download: saved }, note ? `${note}\n${line}` : line);
}

/** Runs `work` with a signal that Ctrl-C aborts; a second Ctrl-C exits at once. */
export async function interruptible<T>(work: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const controller = new AbortController();
  const onSigint = () => {
    if (controller.signal.aborted) process.exit(EXIT.interrupted);
    controller.abort();
  };
  process.on('SIGINT', onSigint);
  try {
    return await work(controller.signal);
  } finally {
    process.off('SIGINT', onSigint);
  }
}

export async function awaitTask(
  client: Vidforge,
  mode: OutputMode,
  taskId: string,
  options: { output?: string; timeoutMs?: number },
): Promise<void> {
  let finished: Task | undefined;
  await interruptible(async (signal) => {
    const bar = mode.progress ? new ProgressBar(process.stderr) : undefined;
    // Said when no runner can take the task, and again only after one was online and left.
    let warned: string | null = null;
    const warnOnce = (task: Task) => {
      const warning = noRunnerWarning(task);
      if (warning && warning !== warned) {
        const line = `vidforge: warning: ${warning}`;
        if (bar) bar.note(line);
        else process.stderr.write(`${line}\n`);
      }
      warned = warning;
    };
    try {
      finished = await client.waitForTask(taskId, {
        signal,
        timeoutMs: options.timeoutMs,
        pollIntervalMs: pollInterval(),
        onProgress: (task) => {
          bar?.update(task);
          if (!mode.machine) warnOnce(task);
        },
      });
      bar?.stop();
      const note = `Task ${taskId} succeeded after ${formatElapsed(bar?.elapsedMs ?? 0)}`;
      if (options.output === undefined) return printTask(mode, finished, {}, note);
      const { task, saved } = await saveMedia(client, finished, options.output, signal);
      reportSaved(mode, task, saved, note);
    } catch (error) {
      bar?.stop();
      if (signal.aborted) throw interrupted(taskId, finished, options.output, mode);
      fail(mode, error, { output: options.output });
    }
  });
}

function interrupted(taskId: string, finished: Task | undefined, output: string | undefined, mode: OutputMode) {
  if (mode.machine) printJson({ taskId, interrupted: true });
  const message = finished
    ? `interrupted during the download; task ${taskId} has finished. Download it with: vidforge download ${taskId} -o ${shellWord(output ?? '-')}`
    : `stopped waiting; task ${taskId} keeps running on the server. Resume with: ${resumeCommand(taskId, output)}`;
  return new CliError(message, EXIT.interrupted);
}
