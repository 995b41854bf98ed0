/**
 * Runs one claimed task: heartbeats that extend the lease and carry progress, the engine in a private
 * work directory, the output stored under the attempt's own key, then one fenced commit. A worker that lost
 * its lease (reaped, cancelled, timed out) is aborted and writes nothing.
 */

import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { EngineError, type EngineRegistry, type LocalSource, type StopReason } from '../../engines/engine.ts';
import type { AccessStore } from '../../ports/access-store.ts';
import type { BlobStore } from '../../ports/blob-store.ts';
import type { Clock } from '../../ports/clock.ts';
import type { SourceFetcher } from '../../ports/source-fetcher.ts';
import type { Lease, TaskLedger, TaskRecord } from '../../ports/task-ledger.ts';
import type { WorkSignal } from '../../ports/work-signal.ts';
import { type AttemptEnd, type TaskEvents, UNOBSERVED_TASKS } from '../metrics/task-events.ts';
import { outputKeyOf } from '../results/result-key.ts';
import { isFinished } from '../tasks/task-state.ts';
import type { FaultContainment } from './fault-containment.ts';
import type { RetryPolicy } from './retry-policy.ts';
import { failureOf, settleFailure } from './settle-failure.ts';
import { sourceOf } from './task-source.ts';

export interface TaskRunnerDeps {
  ledger: TaskLedger;
  signal: WorkSignal;
  blobs: BlobStore;
  access: Pick<AccessStore, 'endpointById'>;
  engines: EngineRegistry;
  fetcher: SourceFetcher;
  faults: FaultContainment;
  retry: RetryPolicy;
  clock: Clock;
  workRoot: string;
  leaseMs: number;
  progressIntervalMs: number;
  retentionMs: number;
  /** Metrics; absent: not observed. */
  events?: TaskEvents;
  log: {
    info(obj: object, msg: string): void;
    warn(obj: object, msg: string): void;
    error(obj: object, msg: string): void;
  };
}

/** Why a run was stopped from outside; decides what (if anything) the worker still writes. */
export type { StopReason };

/** The most an engine may checkpoint, as JSON: resume state is an id or two, not data. */
const CHECKPOINT_MAX_CHARS = 16 * 1024;

export function createTaskRunner(deps: TaskRunnerDeps) {
  const { ledger, clock, log } = deps;
  const events = deps.events ?? UNOBSERVED_TASKS;

  async function settleEngineFailure(
    task: TaskRecord,
    lease: Lease,
    error: unknown,
    startedAt: number,
  ): Promise<AttemptEnd> {
    if (!(error instanceof EngineError)) log.error({ err: error, taskId: task.id }, 'engine crashed');
    const status = await settleFailure(
      deps,
      lease,
      task,
      failureOf(error, { code: 'ENGINE_FAILED', message: 'The engine failed unexpectedly while making the video' }),
      { durationMs: clock.now() - startedAt },
    );
    return status === 'PENDING' ? 'retry' : status === 'FAIL' ? 'failed' : 'stopped';
  }

  return async function run(lease: Lease, external: AbortSignal): Promise<void> {
    const task = await ledger.get(lease.taskId);
    if (!task) return;
    const engine = deps.engines.get(task.engine);
    const controller = new AbortController();
    const stop = (reason: StopReason) => controller.abort(reason);
    const onExternal = () => stop(external.reason as StopReason);
    external.addEventListener('abort', onExternal, { once: true });

    // A refused write: the task ended elsewhere (a cancel or the deadline on another replica), or
    // its lease was reaped and a later attempt will take it. Engines treat the two differently.
    const lostReason = async (): Promise<StopReason> => {
      const now = await ledger.get(task.id).catch(() => null);
      return now && isFinished(now.status) ? 'finished-elsewhere' : 'lease-lost';
    };

    let progress = task.progress;
    let written = progress;
    let lastBeat = clock.now();
    // One timer does both jobs: progress is flushed often, the lease is extended at least every third.
    let beating = false;
    const beat = async () => {
      const now = clock.now();
      if (beating || (progress <= written && now - lastBeat < deps.leaseMs / 3)) return;
      beating = true;
      try {
        const sent = progress;
        const result = await ledger.heartbeat(lease, sent, deps.leaseMs, now);
        if (!result.ok) return stop(await lostReason());
        written = sent;
        lastBeat = now;
      } finally {
        beating = false;
      }
    };
    const timer = setInterval(
      () => {
        beat().catch((err) => log.warn({ err, taskId: task.id }, 'heartbeat failed'));
      },
      Math.min(deps.progressIntervalMs, deps.leaseMs / 3),
    );

    const workDir = join(deps.workRoot, `${task.id}-${lease.attempt}`);
    const startedAt = clock.now();
    events.started(task, startedAt - task.runAfter);
    // What the metrics record of how this attempt ended; 'stopped' unless a branch below says otherwise.
    let outcome: AttemptEnd = 'stopped';
    log.info({ taskId: task.id, type: task.type, engine: task.engine, attempt: lease.attempt }, 'task started');
    try {
      if (!engine) throw new EngineError('ENGINE_UNAVAILABLE', `No engine "${task.engine}" on this server`);
      const endpoint = await deps.access.endpointById(task.endpointId);
      await rm(workDir, { recursive: true, force: true });
      await mkdir(workDir, { recursive: true });
      const outputKey = outputKeyOf(task.id, lease.attempt);
      // Everything that makes sockets, processes and files for this task runs in its fault scope.
      const output = await deps.faults.run(task.id, controller.signal, async (signal) => {
        let source: Promise<LocalSource> | undefined;
        const output = await engine.run(
          {
            id: task.id,
            request: { type: task.type, body: task.request } as never,
            seed: task.seed,
            attempt: lease.attempt,
            endpointSettings: endpoint?.settings ?? {},
            resumeState: parseState(task.engineState),
          },
          {
            workDir,
            signal,
            progress(fraction) {
              if (Number.isFinite(fraction)) progress = Math.max(progress, Math.min(0.99, Math.max(0, fraction)));
            },
            source() {
              const wanted = sourceOf(task);
              if (!wanted) return Promise.reject(new EngineError('INTERNAL_ERROR', 'This task has no source media'));
              source ??= deps.fetcher.fetch(wanted.url, wanted.kind, workDir, signal);
              return source;
            },
            async checkpoint(state) {
              const text = state === null || state === undefined ? null : JSON.stringify(state);
              if (text !== null && text.length > CHECKPOINT_MAX_CHARS) {
                throw new EngineError(
                  'INTERNAL_ERROR',
                  `engine checkpoint larger than ${CHECKPOINT_MAX_CHARS} characters`,
                );
              }
              if (await ledger.checkpoint(lease, text)) return;
              const reason = await lostReason();
              stop(reason);
              throw new EngineError('ENGINE_FAILED', 'the task is no longer held by this worker');
            },
          },
        );
        signal.throwIfAborted();
        await deps.blobs.putFile(outputKey, output.path, output.contentType);
        return output;
      });
      const now = clock.now();
      const done = await ledger.commit(
        lease,
        { outputKey, video: output.video, retainUntil: now + deps.retentionMs },
        now,
      );
      if (done) {
        outcome = 'succeeded';
        events.finished(task, null);
        log.info({ taskId: task.id, attempt: lease.attempt, durationMs: now - startedAt }, 'task succeeded');
      } else log.warn({ taskId: task.id }, 'lease lost before commit; result discarded');
    } catch (error) {
      const reason = controller.signal.aborted ? (controller.signal.reason as StopReason) : null;
      if (reason === 'shutdown') {
        if (await ledger.release(lease, clock.now())) {
          outcome = 'released';
          log.info({ taskId: task.id }, 'task released for shutdown');
          deps.signal.notify(task.engine);
        }
      } else if (reason === null) {
        outcome = await settleEngineFailure(task, lease, error, startedAt);
      } else {
        // 'finished-elsewhere' and 'lease-lost': whoever ended the lease (a cancel or the deadline
        // on any replica, the reaper) wrote the outcome; this worker only stops.
        log.info({ taskId: task.id, attempt: lease.attempt, reason }, 'task stopped: its lease ended elsewhere');
      }
    } finally {
      events.attemptEnded(task, outcome, clock.now() - startedAt);
      clearInterval(timer);
      external.removeEventListener('abort', onExternal);
      await rm(workDir, { recursive: true, force: true }).catch(() => {});
    }
  };
}

export type TaskRunner = ReturnType<typeof createTaskRunner>;

/** The stored checkpoint; a damaged one counts as none (the engine starts over). */
function parseState(text: string | null): unknown {
  if (text === null) return null;
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}
