/**
 * The runner loop: `concurrency` slots, each long-polling for a task and running it to its end.
 * Per task: a private work directory, heartbeats that extend the lease and carry progress, the
 * source downloaded only if the executor asks for it, then upload and complete. A task the server
 * cancelled, or whose lease was lost, is aborted and nothing more is sent about it. stop() stops
 * claiming, lets running tasks finish within a grace period, then gives the rest back (abort) so
 * they are claimable again at once instead of after their lease.
 */
import { mkdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import {
  CLAIM_WAIT_DEFAULT_MS,
  RUNNER_FAILURE_CODES,
  type RunnerFailRequestInput,
  type RunnerTask,
  type TaskType,
} from '@vidforge/contract';
import { ExecutorError, RunnerProtocolError } from './errors.ts';
import type { Executor, ExecutorTask, LocalSource } from './executor.ts';
import { describe, HandOverError, handOverOf, SettledByServer } from './hand-over.ts';
import { backoffDelay, printable, sleep } from './http.ts';
import type { RunnerClient } from './protocol-client.ts';

export interface RunnerLog {
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

export interface RunnerOptions {
  client: RunnerClient;
  executor: Executor;
  /** Tasks run at once (one claim loop each). Default 1; the token's concurrency caps it on the server. */
  concurrency?: number;
  /** Engine families and operations to claim; default: all the token allows. */
  engines?: string[];
  operations?: TaskType[];
  /** Each task gets a directory `<workRoot>/<taskId>-<attempt>`, removed afterwards. */
  workRoot: string;
  log: RunnerLog;
  /** Long-poll of each claim. Default 20 s. */
  claimWaitMs?: number;
  /** Least time between two heartbeats sent because progress changed. Default 500 ms. */
  progressIntervalMs?: number;
  /** First pause after a claim error the client does not retry itself (e.g. a malformed answer). */
  errorBackoffMs?: number;
}

/** Why the runner stopped: asked to, or the server refused its token (401) or its claim (400, 403). */
export type RunnerExit =
  | { reason: 'stopped' }
  | { reason: 'unauthorized'; error: RunnerProtocolError }
  | { reason: 'refused'; error: RunnerProtocolError };

export interface Runner {
  /** Starts the claim loops; resolves once the runner has stopped (stop(), or a fatal answer). */
  start(): Promise<RunnerExit>;
  /**
   * Stops claiming, waits up to `graceMs` for running tasks, then aborts the rest and gives them
   * back to the queue. Resolves when every slot has ended.
   */
  stop(graceMs?: number): Promise<RunnerExit>;
  /** The tasks running now, for status lines. */
  running(): { taskId: string; attempt: number; progress: number; stage: string | undefined }[];
}

/** Why a task was stopped from outside; decides what, if anything, is still sent about it. */
type StopReason = 'cancelled' | 'lease-lost' | 'shutdown' | 'unauthorized';

interface Running {
  task: RunnerTask;
  controller: AbortController;
  progress: number;
  stage: string | undefined;
}

/** Heartbeat intervals from the server are kept in a sane range whatever it sends. */
const HEARTBEAT_MIN_MS = 100;
const HEARTBEAT_MAX_MS = 300_000;
/** How long a task's work directory waits for an aborted executor to settle before removal. */
const SETTLE_MS = 5_000;

export function createRunner(options: RunnerOptions): Runner {
  const { client, executor, log } = options;
  const concurrency = options.concurrency ?? 1;
  if (!Number.isInteger(concurrency) || concurrency < 1) throw new TypeError('concurrency must be a positive integer');
  const claimWaitMs = options.claimWaitMs ?? CLAIM_WAIT_DEFAULT_MS;
  const progressIntervalMs = options.progressIntervalMs ?? 500;
  const errorBackoffMs = options.errorBackoffMs ?? 1000;
  const claims = new AbortController();
  const grace = new AbortController();
  const running = new Map<string, Running>();
  let stopping = false;
  let exit: RunnerExit = { reason: 'stopped' };
  let slots: Promise<void>[] | undefined;
  let stopped: Promise<RunnerExit> | undefined;
  const handOver = handOverOf(client, log);

  /** A 401 (token revoked) or a claim the server refuses as asked (400, 403): the runner cannot go on. */
  function fatal(reason: 'unauthorized' | 'refused', error: RunnerProtocolError) {
    if (stopping) return;
    exit = { reason, error };
    stopping = true;
    claims.abort('stopping');
    for (const entry of running.values())
      entry.controller.abort(reason === 'unauthorized' ? 'unauthorized' : 'shutdown');
  }

  async function slot(): Promise<void> {
    let errors = 0;
    while (!stopping) {
      let task: RunnerTask | null;
      try {
        task = await client.claim(
          { engines: options.engines, operations: options.operations, waitMs: claimWaitMs },
          claims.signal,
        );
        errors = 0;
      } catch (error) {
        if (stopping) break;
        if (error instanceof RunnerProtocolError && error.status === 401) {
          log.error(`the server refused the runner token (${error.code}: ${error.message}); stopping`);
          fatal('unauthorized', error);
          break;
        }
        if (
          error instanceof RunnerProtocolError &&
          (error.status === 400 || error.status === 403 || error.code === 'PROTOCOL_MISMATCH')
        ) {
          log.error(`the server refused the claim (${error.code}: ${error.message}); stopping`);
          fatal('refused', error);
          break;
        }
        const delay = backoffDelay(errors++, errorBackoffMs, 30_000);
        log.warn(`claim failed: ${describe(error)}; trying again in ${(delay / 1000).toFixed(1)} s`);
        await sleep(delay, claims.signal).catch(() => {});
        continue;
      }
      if (task) await runTask(task);
    }
  }

  async function runTask(task: RunnerTask): Promise<void> {
    const id = task.taskId;
    const label = `task ${id}`;
    if (stopping) {
      // Claimed just as the runner was stopping: give it back untouched.
      await client.abort(id, task.leaseToken, 'runner stopping').catch(() => {});
      log.info(`${label} claimed while stopping; given back to the queue`);
      return;
    }
    const controller = new AbortController();
    const entry: Running = { task, controller, progress: 0, stage: undefined };
    running.set(id, entry);
    const stopTask = (reason: StopReason) => {
      if (!controller.signal.aborted) controller.abort(reason);
    };
    log.info(`${label} claimed: ${task.type} for ${task.engine}, attempt ${task.attempt}`);

    const heartbeatMs = Math.min(HEARTBEAT_MAX_MS, Math.max(HEARTBEAT_MIN_MS, task.heartbeatIntervalMs));
    let sent = -1;
    let lastBeat = Date.now();
    let beating: Promise<void> | null = null;
    let beatsStopped = false;
    const beat = async () => {
      const now = Date.now();
      const due = now - lastBeat >= heartbeatMs || (entry.progress > sent && now - lastBeat >= progressIntervalMs);
      if (beating || beatsStopped || !due || controller.signal.aborted) return;
      let done!: () => void;
      beating = new Promise((resolve) => {
        done = resolve;
      });
      const progress = entry.progress;
      try {
        const answer = await client.heartbeat(id, task.leaseToken, { progress, stage: entry.stage }, controller.signal);
        sent = progress;
        lastBeat = now;
        if (answer.cancelled && !controller.signal.aborted) {
          log.info(`${label} cancelled on the server (by its client, or timed out); stopped working on it`);
          stopTask('cancelled');
        }
      } catch (error) {
        if (!controller.signal.aborted) onCallError(error, 'heartbeat failed');
      } finally {
        beating = null;
        done();
      }
    };
    /** Errors of calls about this task: some end it here, the rest are logged (the lease may still hold). */
    const onCallError = (error: unknown, what: string): boolean => {
      if (error instanceof RunnerProtocolError && (error.code === 'LEASE_LOST' || error.status === 404)) {
        log.warn(`${label}: lease lost (${error.message}); stopped working on it`);
        stopTask('lease-lost');
        return true;
      }
      if (error instanceof RunnerProtocolError && error.status === 401) {
        stopTask('unauthorized');
        log.error(`the server refused the runner token (${error.code}: ${error.message}); stopping`);
        fatal('unauthorized', error);
        return true;
      }
      log.warn(`${label}: ${what}: ${describe(error)}`);
      return false;
    };
    const timer = setInterval(() => void beat(), Math.min(heartbeatMs, progressIntervalMs));
    const stopHeartbeats = async () => {
      beatsStopped = true;
      clearInterval(timer);
      await beating;
    };

    const workDir = join(options.workRoot, `${id}-${task.attempt}`);
    let execution: Promise<unknown> = Promise.resolve();
    try {
      await rm(workDir, { recursive: true, force: true });
      await mkdir(workDir, { recursive: true });
      let source: Promise<LocalSource> | undefined;
      execution = executor.run(executorTask(task), {
        workDir,
        signal: controller.signal,
        progress(fraction, stage) {
          if (Number.isFinite(fraction))
            entry.progress = Math.max(entry.progress, Math.min(0.99, Math.max(0, fraction)));
          if (stage !== undefined && stage !== entry.stage) {
            entry.stage = stage;
            log.info(`${label}: ${printable(stage, 64)}`);
          }
        },
        source() {
          source ??= downloadSource(task, workDir, controller.signal);
          return source;
        },
      });
      const output = await untilAborted(execution as ReturnType<Executor['run']>, controller.signal);
      const { size } = await stat(output.path);
      if (size > task.output.maxBytes) {
        throw new ExecutorError(
          'OUTPUT_INVALID',
          `The video is ${size} bytes, more than the ${task.output.maxBytes} the server accepts`,
        );
      }
      await handOver(task, output.path, controller.signal, label, stopHeartbeats);
    } catch (error) {
      const reason = controller.signal.aborted ? (controller.signal.reason as StopReason) : null;
      if (reason === 'shutdown') {
        try {
          await client.abort(id, task.leaseToken, 'runner stopping');
          log.info(`${label} given back to the queue (runner stopping)`);
        } catch (abortError) {
          log.warn(`${label}: could not give it back (${describe(abortError)}); it returns when its lease expires`);
        }
      } else if (error instanceof SettledByServer) {
        log.warn(`${label}: ${error.message}`);
      } else if (reason === null && !(error instanceof HandOverError && onCallError(error.cause, error.message))) {
        await reportFailure(task, error, label);
      }
      // 'cancelled', 'lease-lost', 'unauthorized': nothing more is sent about the task.
    } finally {
      clearInterval(timer);
      running.delete(id);
      const settled = new AbortController();
      await Promise.race([execution.catch(() => {}), sleep(SETTLE_MS, settled.signal).catch(() => {})]);
      settled.abort();
      await rm(workDir, { recursive: true, force: true }).catch(() => {});
    }
  }

  async function downloadSource(task: RunnerTask, workDir: string, signal: AbortSignal): Promise<LocalSource> {
    const source = task.source;
    if (!source) throw new ExecutorError('INTERNAL_ERROR', 'This task has no source media');
    const path = join(workDir, `source-${source.kind}`);
    try {
      await client.downloadSource(source.url, path, signal, { expectedSize: source.size });
    } catch (error) {
      if (signal.aborted) throw signal.reason;
      throw new ExecutorError('INTERNAL_ERROR', `The runner could not download the source: ${describe(error)}`, {
        retryable: true,
        cause: error,
      });
    }
    return { path, kind: source.kind, contentType: source.contentType, size: source.size };
  }

  async function reportFailure(task: RunnerTask, error: unknown, label: string): Promise<void> {
    const failure = failureOf(error);
    if (error instanceof HandOverError) {
      failure.code = 'INTERNAL_ERROR';
      failure.message = `The runner could not hand the result over: ${describe(error.cause)}`;
    } else if (failure.message === UNEXPECTED) {
      log.error(`${label}: the executor crashed: ${(error as Error)?.stack ?? String(error)}`);
    }
    try {
      const settled = await client.fail(task.taskId, task.leaseToken, failure);
      const next = settled.status === 'PENDING' ? 'it will be retried' : `task is ${settled.status}`;
      log.warn(`${label} failed: ${failure.code}: ${printable(failure.message ?? '')} (${next})`);
    } catch (failError) {
      log.warn(
        `${label} failed (${failure.code}: ${printable(failure.message ?? '')}) and the failure could not be reported: ${describe(failError)}`,
      );
    }
  }

  return {
    start() {
      if (!slots) {
        slots = Array.from({ length: concurrency }, () => slot());
      }
      return Promise.all(slots).then(() => exit);
    },
    stop(graceMs = 10_000) {
      if (stopped) {
        // A second stop (a second signal) with no grace cuts the first one's grace short.
        if (graceMs === 0) grace.abort();
        return stopped;
      }
      stopping = true;
      claims.abort('stopping');
      stopped = (async () => {
        const all = Promise.all(slots ?? []);
        if (running.size > 0) log.info(`stopping: waiting up to ${graceMs} ms for ${running.size} running task(s)`);
        const finished = await Promise.race([
          all.then(() => true),
          sleep(graceMs, grace.signal).then(
            () => false,
            () => false,
          ),
        ]);
        grace.abort();
        if (!finished) for (const entry of running.values()) entry.controller.abort('shutdown');
        await all;
        return exit;
      })();
      return stopped;
    },
    running() {
      return [...running.values()].map((e) => ({
        taskId: e.task.taskId,
        attempt: e.task.attempt,
        progress: e.progress,
        stage: e.stage,
      }));
    },
  };
}

const UNEXPECTED = 'The engine failed unexpectedly while making the video';

/** An error an executor threw on purpose (code + retryable) keeps its meaning; anything else is a retryable ENGINE_FAILED. */
function failureOf(error: unknown): RunnerFailRequestInput {
  const known = error as { code?: unknown; retryable?: unknown; retryAfterMs?: unknown } | null;
  if (error instanceof Error && typeof known?.code === 'string' && typeof known.retryable === 'boolean') {
    const code = (RUNNER_FAILURE_CODES as readonly string[]).includes(known.code)
      ? (known.code as (typeof RUNNER_FAILURE_CODES)[number])
      : 'ENGINE_FAILED';
    const { retryAfterMs } = known;
    const wait =
      known.retryable && typeof retryAfterMs === 'number' && Number.isInteger(retryAfterMs) && retryAfterMs >= 0
        ? { retryAfterMs: Math.min(retryAfterMs, 3_600_000) }
        : {};
    return { code, message: error.message.trim() || UNEXPECTED, retryable: known.retryable, ...wait };
  }
  return { code: 'ENGINE_FAILED', message: UNEXPECTED, retryable: true };
}

function executorTask(task: RunnerTask): ExecutorTask {
  return {
    id: task.taskId,
    request: { type: task.type, body: task.request } as ExecutorTask['request'],
    seed: task.seed,
    attempt: task.attempt,
    endpointSettings: task.endpointSettings,
  };
}

/** The executor's result, or the signal's reason as soon as it aborts (an executor slow to stop does not hold the runner). */
function untilAborted<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}
