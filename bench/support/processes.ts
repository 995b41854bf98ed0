/**
 * Child processes of the bench: servers pinned to their own core, their memory read from /proc, and
 * a small message protocol over the IPC channel (ready, stop).
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { availableParallelism, cpus } from 'node:os';

/**
 * Server and load generator on separate cores: on two cores they otherwise fight for the same one
 * and the figures measure the scheduler (reliability-security.md §6).
 */
export const SERVER_CPU = '1';
export const LOAD_CPU = '0';

/** Every core of the machine; os.cpus(), not availableParallelism(), which is this process's affinity. */
export const ALL_CPUS = `0-${cpus().length - 1}`;

let canPin: boolean | undefined;

/** taskset exists (util-linux) and there are at least two cores to separate. */
export function pinningAvailable(): boolean {
  canPin ??= availableParallelism() >= 2 && spawnSync('taskset', ['-V'], { stdio: 'ignore' }).status === 0;
  return canPin;
}

/** Pins every thread of this process (and so the threads and children it starts later) to `cpu`. */
export function pinSelf(cpu: string): boolean {
  return pinProcess(process.pid, cpu);
}

/** The command line that runs `argv` on `cpus` ("1", "0-1"), or unpinned when that is not possible. */
export function pinnedCommand(cpus: string | null, argv: readonly string[]): [string, string[]] {
  if (cpus !== null && pinningAvailable()) return ['taskset', ['-c', cpus, ...argv]];
  return [argv[0]!, argv.slice(1)];
}

/**
 * Pins every thread of a running process to `cpu`; threads it starts later inherit it. Lets
 * several servers start at once on every core, then run measured on theirs.
 */
export function pinProcess(pid: number, cpu: string): boolean {
  if (!pinningAvailable()) return false;
  return spawnSync('taskset', ['-a', '-p', '-c', cpu, String(pid)], { stdio: 'ignore' }).status === 0;
}

export interface Memory {
  /** Resident set now (VmRSS), MiB. */
  rssMiB: number;
  /** Peak resident set since the process started (VmHWM), MiB. */
  hwmMiB: number;
}

/** Linux only; NaN elsewhere (the rows then show "—"). */
export function readMemory(pid: number): Memory {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kib = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? Number.NaN);
    return { rssMiB: kib('VmRSS') / 1024, hwmMiB: kib('VmHWM') / 1024 };
  } catch {
    return { rssMiB: Number.NaN, hwmMiB: Number.NaN };
  }
}

let ticksPerSecond: number | undefined;

/**
 * CPU time the process has used so far (user + system, all threads), in seconds. Unlike a rate it
 * barely moves when other work shares the machine, which makes per-request CPU the steadiest figure
 * a noisy machine gives. 10 ms resolution (clock ticks). Linux only; NaN elsewhere.
 */
export function readCpuSeconds(pid: number): number {
  try {
    ticksPerSecond ??= Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout.trim()) || 100;
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may contain spaces): state is [0], utime [11], stime [12].
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / ticksPerSecond;
  } catch {
    return Number.NaN;
  }
}

/** Starts counting the CPU time of these processes together; the meter reads seconds since. */
export function processCpu(pids: readonly number[]): () => number {
  const before = pids.map(readCpuSeconds);
  return () => pids.reduce((sum, pid, i) => sum + readCpuSeconds(pid) - before[i]!, 0);
}

/** Samples VmRSS every `intervalMs` until stopped; returns the highest seen and the final VmHWM. */
export function sampleMemory(pid: number, intervalMs = 50): { stop(): Memory } {
  let peak = readMemory(pid).rssMiB;
  const timer = setInterval(() => {
    const now = readMemory(pid).rssMiB;
    if (now > peak) peak = now;
  }, intervalMs);
  return {
    stop() {
      clearInterval(timer);
      const last = readMemory(pid);
      return { rssMiB: Math.max(peak, last.rssMiB), hwmMiB: last.hwmMiB };
    },
  };
}

export interface ChildMessage {
  type: string;
  [key: string]: unknown;
}

export interface NodeChild {
  child: ChildProcess;
  pid: number;
  /** Resolves with the next message of this type (or rejects when the child exits first). */
  next<T extends ChildMessage>(type: string, timeoutMs?: number): Promise<T>;
  send(message: ChildMessage): void;
  /** Asks the child to stop cleanly (so --cpu-prof is written), then kills it if it does not. */
  stop(timeoutMs?: number): Promise<void>;
  output(): string;
}

export interface SpawnNodeOptions {
  env?: Record<string, string>;
  /** "1": pinned to core 1; null: unpinned. */
  cpus: string | null;
  nodeArgs?: string[];
  args?: string[];
}

/** Starts a TypeScript entry point on this Node with an IPC channel; stdout is discarded (logs). */
export function spawnNodeChild(script: string, options: SpawnNodeOptions): NodeChild {
  const [command, argv] = pinnedCommand(options.cpus, [
    process.execPath,
    ...(options.nodeArgs ?? []),
    script,
    ...(options.args ?? []),
  ]);
  const child = spawn(command, argv, {
    env: { ...process.env, ...options.env },
    // stdout is the server's log stream: written (so logging costs what it costs) but not kept.
    stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
  });
  let stderr = '';
  child.stderr!.setEncoding('utf8');
  child.stderr!.on('data', (chunk: string) => {
    stderr = (stderr + chunk).slice(-20_000);
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));

  const next = <T extends ChildMessage>(type: string, timeoutMs = 60_000) =>
    new Promise<T>((resolve, reject) => {
      const onMessage = (message: ChildMessage) => {
        if (message?.type === 'error') finish(new Error(`child failed: ${String(message.message)}\n${stderr}`));
        else if (message?.type === type) finish(null, message as T);
      };
      const onExit = (code: number | null) => finish(new Error(`child exited (${code}) before "${type}":\n${stderr}`));
      const timer = setTimeout(
        () => finish(new Error(`no "${type}" from child in ${timeoutMs} ms:\n${stderr}`)),
        timeoutMs,
      );
      const finish = (error: Error | null, value?: T) => {
        clearTimeout(timer);
        child.off('message', onMessage);
        child.off('exit', onExit);
        if (error) reject(error);
        else resolve(value!);
      };
      child.on('message', onMessage);
      child.once('exit', onExit);
    });

  return {
    child,
    pid: child.pid!,
    next,
    send(message) {
      child.send(message);
    },
    async stop(timeoutMs = 15_000) {
      if (child.exitCode !== null || child.signalCode !== null) return;
      // The callback form: a child that is exiting anyway (closed channel) is not an error here.
      if (child.connected) child.send({ type: 'stop' }, (error) => error && child.kill('SIGTERM'));
      else child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
      await exited;
      clearTimeout(timer);
    },
    output: () => stderr,
  };
}
