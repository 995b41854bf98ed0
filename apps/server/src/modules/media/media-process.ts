/**
 * Runs ffmpeg/ffprobe as child processes with the guarantees untrusted media needs:
 * an argument array and no shell; a wall-clock timeout that SIGKILLs the whole process group;
 * cancellation through an AbortSignal (killed at once, the promise settles when the process is
 * gone); stderr drained and only its tail kept (an unread pipe would block ffmpeg forever); and no
 * orphans: spawned through `setpriv --pdeathsig KILL` where available, so the kernel kills the
 * child when the server dies, even by SIGKILL (reference §2.2: without it ffmpeg kept running
 * with PPID 1).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';

export interface ProcessProgress {
  /** Frames written so far, when ffmpeg reports them. */
  frame: number | null;
  /** Output timestamp reached, in microseconds. */
  outTimeUs: number | null;
  done: boolean;
}

export interface RunOptions {
  timeoutMs: number;
  signal?: AbortSignal;
  cwd?: string;
  /** Parse stdout as ffmpeg `-progress pipe:1` blocks instead of collecting it. */
  onProgress?: (progress: ProcessProgress) => void;
  /** Called once the process exists, e.g. to observe its pid. */
  onSpawn?: (pid: number) => void;
  /** Upper bound on collected stdout (ffprobe JSON); more kills the process. */
  maxStdoutBytes?: number;
  /** What the run is for, e.g. `encode` or `probe-source` (a short fixed word: a metrics label). */
  purpose?: string;
  /** Told once per run, when it has ended, how long it took (metrics). */
  observe?: MediaRunObserver;
}

/** One ended run of a media tool. */
export interface MediaRun {
  /** The binary's file name: `ffmpeg` or `ffprobe` unless configured otherwise. */
  tool: string;
  purpose: string;
  /** Wall-clock seconds from the spawn until the process was gone. */
  seconds: number;
  outcome: 'ok' | 'failed' | 'timeout' | 'aborted';
}

export type MediaRunObserver = (run: MediaRun) => void;

export interface RunResult {
  stdout: string;
  stderrTail: string;
}

export type ProcessFailure = 'exit' | 'timeout' | 'spawn' | 'output';

export class MediaProcessError extends Error {
  readonly failure: ProcessFailure;
  readonly exitCode: number | null;
  readonly stderrTail: string;

  constructor(failure: ProcessFailure, message: string, exitCode: number | null, stderrTail: string) {
    super(message);
    this.name = 'MediaProcessError';
    this.failure = failure;
    this.exitCode = exitCode;
    this.stderrTail = stderrTail;
  }
}

const STDERR_TAIL_BYTES = 8 * 1024;

let setprivPath: string | null | undefined;

/** `setpriv` from util-linux on PATH, or null (then only the process-group kill protects us). */
export function findSetpriv(): string | null {
  if (setprivPath === undefined) setprivPath = findOnPath('setpriv');
  return setprivPath;
}

export function findOnPath(name: string): string | null {
  if (name.includes('/')) return isExecutable(name) ? name : null;
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (dir === '') continue;
    const candidate = join(dir, name);
    if (isExecutable(candidate)) return candidate;
  }
  return null;
}

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** Kills the child's whole process group (it leads one: spawned detached). */
function killGroup(child: ChildProcess): void {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  try {
    process.kill(-child.pid, 'SIGKILL');
  } catch {
    child.kill('SIGKILL');
  }
}

export function runMediaProcess(binary: string, args: readonly string[], options: RunOptions): Promise<RunResult> {
  const { signal } = options;
  if (signal?.aborted) return Promise.reject(signal.reason);
  // Resolved here because through setpriv a missing binary would only show as exit code 127.
  const executable = findOnPath(binary);
  if (!executable) {
    return Promise.reject(
      new MediaProcessError('spawn', `cannot start ${binary}: not found or not executable`, null, ''),
    );
  }
  const setpriv = findSetpriv();
  const [command, argv] = setpriv
    ? [setpriv, ['--pdeathsig', 'KILL', '--', executable, ...args]]
    : [executable, [...args]];

  const started = performance.now();
  const observed = (outcome: MediaRun['outcome']) =>
    options.observe?.({
      tool: name(binary),
      purpose: options.purpose ?? 'other',
      seconds: (performance.now() - started) / 1000,
      outcome,
    });

  return new Promise<RunResult>((resolve, reject) => {
    let stdout = '';
    let stdoutBytes = 0;
    let stderrTail = '';
    let failure: MediaProcessError | null = null;
    let aborted = false;
    const progressParser = options.onProgress ? createProgressParser(options.onProgress) : null;

    const child = spawn(command, argv, {
      cwd: options.cwd,
      shell: false,
      // Own process group, so a kill reaches anything ffmpeg itself started.
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    // First, before anything can throw: a failed spawn (EMFILE when descriptors run out, EAGAIN)
    // is an 'error' event on the next tick, and an 'error' event nobody listens to ends the
    // process. 'close' still follows it and settles the promise.
    child.once('error', (error) => {
      stop(new MediaProcessError('spawn', `cannot start ${name(binary)}: ${error.message}`, null, ''));
    });
    const stop = (error: MediaProcessError | null) => {
      if (error && !failure) failure = error;
      killGroup(child);
    };
    const onAbort = () => {
      aborted = true;
      stop(null);
    };
    const timer = setTimeout(
      () =>
        stop(
          new MediaProcessError('timeout', `${name(binary)} did not finish within ${options.timeoutMs} ms`, null, ''),
        ),
      options.timeoutMs,
    );
    signal?.addEventListener('abort', onAbort, { once: true });

    // A child whose spawn failed has no pipes.
    child.stdout?.setEncoding('utf8');
    child.stdout?.on('data', (chunk: string) => {
      if (progressParser) return progressParser(chunk);
      stdoutBytes += Buffer.byteLength(chunk);
      if (options.maxStdoutBytes !== undefined && stdoutBytes > options.maxStdoutBytes) {
        stop(new MediaProcessError('output', `${name(binary)} printed more output than allowed`, null, ''));
        return;
      }
      stdout += chunk;
    });
    child.stderr?.setEncoding('utf8');
    child.stderr?.on('data', (chunk: string) => {
      stderrTail = (stderrTail + chunk).slice(-STDERR_TAIL_BYTES);
    });
    child.once('spawn', () => {
      if (child.pid !== undefined) options.onSpawn?.(child.pid);
    });
    // 'close' comes after the process exited and its pipes are drained: when we settle, it is gone.
    child.once('close', (code) => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      if (aborted) {
        observed('aborted');
        return reject(signal?.reason);
      }
      if (failure) {
        observed(failure.failure === 'timeout' ? 'timeout' : 'failed');
        return reject(Object.assign(failure, { stderrTail }));
      }
      if (code !== 0) {
        observed('failed');
        const reason = code === null ? `killed by ${child.signalCode}` : `exit code ${code}`;
        return reject(new MediaProcessError('exit', `${name(binary)} failed (${reason})`, code, stderrTail));
      }
      observed('ok');
      resolve({ stdout, stderrTail });
    });
  });
}

const name = (binary: string) => binary.slice(binary.lastIndexOf('/') + 1);

/** ffmpeg `-progress` output: `key=value` lines, each block ending in `progress=continue|end`. */
function createProgressParser(emit: (progress: ProcessProgress) => void): (chunk: string) => void {
  let pending = '';
  let frame: number | null = null;
  let outTimeUs: number | null = null;
  return (chunk) => {
    pending += chunk;
    let newline = pending.indexOf('\n');
    while (newline !== -1) {
      const line = pending.slice(0, newline).trim();
      pending = pending.slice(newline + 1);
      newline = pending.indexOf('\n');
      const eq = line.indexOf('=');
      if (eq === -1) continue;
      const key = line.slice(0, eq);
      const value = line.slice(eq + 1);
      if (key === 'frame') frame = toNumber(value) ?? frame;
      else if (key === 'out_time_us') outTimeUs = toNumber(value) ?? outTimeUs;
      else if (key === 'progress') emit({ frame, outTimeUs, done: value === 'end' });
    }
  };
}

function toNumber(text: string): number | null {
  const value = Number(text);
  return Number.isFinite(value) ? value : null;
}
