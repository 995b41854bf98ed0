/** How results are shown: human text on a terminal, JSON on stdout otherwise (or with --json). */
import type { Task } from '@vidforge/sdk';
import { noRunnerWarning, queuePlace } from '@vidforge/sdk';
import { printJson } from '../output.ts';

export interface OutputMode {
  /** JSON only on stdout: --json, or stdout is not a terminal. */
  machine: boolean;
  /** A live progress bar on stderr: human mode with a terminal on stderr. */
  progress: boolean;
}

export function outputMode(json: boolean | undefined): OutputMode {
  const machine = json === true || !process.stdout.isTTY;
  return { machine, progress: !machine && process.stderr.isTTY === true };
}

const time = (ms: number) => new Date(ms).toISOString();

export function percent(task: Task): string {
  return `${Math.floor(task.progress * 100)}%`;
}

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}

function statusText(task: Task): string {
  if (task.status === 'SUCCESS' || task.status === 'FAIL') return task.status;
  const queued = queuePlace(task);
  return `${task.status} ${percent(task)}${queued ? `, ${queued}` : ''}`;
}

/** The task as aligned "label  value" lines. */
export function describeTask(task: Task): string {
  const rows: [string, string][] = [
    ['Task', task.taskId],
    ['Type', task.type],
    ['Status', statusText(task)],
    ['Created', time(task.createdAt)],
    ['Updated', time(task.updatedAt)],
  ];
  if (task.seed !== null) rows.push(['Seed', String(task.seed)]);
  if (task.video) {
    const v = task.video;
    rows.push(['Video', `${v.width}x${v.height}, ${v.fps} fps, ${v.durationSeconds} s${v.hasAudio ? ', audio' : ''}`]);
  }
  if (task.mediaUrl) rows.push(['Media', task.mediaUrl]);
  if (task.expireTime !== null) rows.push(['Expires', time(task.expireTime)]);
  if (task.error) rows.push(['Error', `${task.error.code}: ${task.error.message}`]);
  const warning = noRunnerWarning(task);
  if (warning) rows.push(['Warning', warning]);
  return rows.map(([label, value]) => `${label.padEnd(8)} ${value}`).join('\n');
}

/** Prints the task: JSON (with any extra fields) in machine mode, the description otherwise. */
export function printTask(mode: OutputMode, task: Task, extra: Record<string, unknown> = {}, note?: string): void {
  if (mode.machine) printJson({ ...task, ...extra });
  else process.stdout.write(`${note ? `${note}\n` : ''}${describeTask(task)}\n`);
}
