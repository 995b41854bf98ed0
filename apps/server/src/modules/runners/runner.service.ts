/**
 * The server side of the runner protocol (docs/runner-protocol.md). A remote runner is one more
 * kind of worker on the same ledger: its claim is ledger.claim, its calls are the fenced ledger writes
 * keyed by the lease token it was given, and failures go through the one retry policy.
 */
import { randomUUID } from 'node:crypto';
import { rm } from 'node:fs/promises';
import type {
  RunnerClaimRequest,
  RunnerFailRequest,
  RunnerHeartbeatRequest,
  RunnerHeartbeatResponse,
  RunnerSettleResponse,
  RunnerTask,
  RunnerUploadResponse,
  TaskType,
} from '@vidforge/contract';
import { EngineError } from '../../engines/engine.ts';
import { runnerFamilyOf, runnerQueueEngine } from '../../engines/runner-family.ts';
import { ApiError } from '../../http/api-error.ts';
import type { AccessStore } from '../../ports/access-store.ts';
import type { BlobStore } from '../../ports/blob-store.ts';
import type { Clock } from '../../ports/clock.ts';
import type { RunnerRecord, RunnerStore } from '../../ports/runner-store.ts';
import type { AttemptState, Lease, TaskLedger, TaskRecord } from '../../ports/task-ledger.ts';
import type { WorkSignal } from '../../ports/work-signal.ts';
import { bearerToken, hashAccessKey } from '../auth/secrets.ts';
import type { MediaConfig } from '../media/media.config.ts';
import { type AttemptEnd, type TaskEvents, UNOBSERVED_TASKS } from '../metrics/task-events.ts';
import { outputKeyOf } from '../results/result-key.ts';
import type { FaultContainment } from '../workers/fault-containment.ts';
import type { RetryPolicy } from '../workers/retry-policy.ts';
import { failureOf, settleFailure } from '../workers/settle-failure.ts';
import { receiveOutput, uploadDirOf } from './runner-output.ts';
import { runnerWorkerId } from './runner-tokens.ts';
import { RejectedOutput, receiveStoredOutput } from './stored-output.ts';
import type { TaskSources } from './task-sources.ts';

export interface RunnerServiceDeps {
  runners: RunnerStore;
  ledger: TaskLedger;
  signal: WorkSignal;
  access: Pick<AccessStore, 'endpointById'>;
  blobs: BlobStore;
  sources: TaskSources;
  faults: FaultContainment;
  retry: RetryPolicy;
  clock: Clock;
  media: MediaConfig;
  workRoot: string;
  leaseMs: number;
  retentionMs: number;
  /** Longest wait between two looks at the queue during a long-poll (other processes' submits). */
  pollIntervalMs: number;
  /** Called when a runner call finished a task (success or final failure). */
  onFinished(taskId: string): void;
  /** Metrics; absent: not observed. */
  events?: TaskEvents;
  log: {
    info(obj: object, msg: string): void;
    warn(obj: object, msg: string): void;
    error(obj: object, msg: string): void;
  };
}

/** last_seen_at is written at most this often per runner. */
const TOUCH_INTERVAL_MS = 1000;

const ended = (status: 'PENDING' | 'FAIL'): AttemptEnd => (status === 'PENDING' ? 'retry' : 'failed');

const leaseLost = () =>
  new ApiError('LEASE_LOST', 'This lease token is not the current lease of the task: stop working on it');

export function createRunnerService(deps: RunnerServiceDeps) {
  const { ledger, clock, log } = deps;
  const events = deps.events ?? UNOBSERVED_TASKS;
  /** Aborted when the server stops, so long-polls answer at once instead of holding the shutdown. */
  const life = new AbortController();

  function withinGrant<T extends string>(asked: readonly T[] | undefined, allowed: readonly T[], what: string): T[] {
    const list = asked ?? allowed;
    const extra = list.filter((item) => !allowed.includes(item));
    if (extra.length > 0) {
      throw new ApiError(
        'FORBIDDEN',
        `This runner token may not serve ${what} ${extra.join(', ')}; allowed: ${allowed.join(', ')}`,
      );
    }
    return [...list];
  }

  /** The task and the caller's attempt, when the caller is the runner that holds (or held) it. */
  async function attemptOf(runner: RunnerRecord, taskId: string, token: string | undefined) {
    const task = await ledger.get(taskId);
    if (!task) throw new ApiError('TASK_NOT_FOUND', 'No such task');
    const state = token ? await ledger.attempt(taskId, token) : null;
    if (!state || state.lease.workerId !== runnerWorkerId(runner.id)) throw leaseLost();
    return { task, state };
  }

  function openAttempt(state: AttemptState): Lease {
    if (state.outcome !== null) throw leaseLost();
    return state.lease;
  }

  async function toRunnerTask(task: TaskRecord, lease: Lease, signal: AbortSignal): Promise<RunnerTask | null> {
    const claimedAt = clock.now();
    events.started(task, claimedAt - task.runAfter);
    let source: RunnerTask['source'];
    // A slow source download must not cost the lease: keep it alive meanwhile.
    const keepAlive = setInterval(() => {
      ledger.heartbeat(lease, task.progress, deps.leaseMs, clock.now(), 'fetching the source').catch(() => {});
    }, deps.leaseMs / 3);
    try {
      source = await deps.faults.run(task.id, signal, (scoped) => deps.sources.stage(task, lease.attempt, scoped));
    } catch (error) {
      if (signal.aborted) {
        if (await ledger.release(lease, clock.now())) {
          events.attemptEnded(task, 'released', clock.now() - claimedAt);
          deps.signal.notify(task.engine);
        }
        return null;
      }
      if (!(error instanceof EngineError)) log.error({ err: error, taskId: task.id }, 'staging the source failed');
      const status = await settleFailure(
        deps,
        lease,
        task,
        failureOf(error, { code: 'INTERNAL_ERROR', message: 'The source could not be prepared' }),
      );
      if (status !== null) events.attemptEnded(task, ended(status), clock.now() - claimedAt);
      if (status === 'FAIL') await finished(task.id);
      return null;
    } finally {
      clearInterval(keepAlive);
    }
    // Fetching the source may have taken a while: the runner gets a fresh lease.
    const now = clock.now();
    const beat = await ledger.heartbeat(lease, task.progress, deps.leaseMs, now, 'claimed');
    if (!beat.ok) return null;
    const endpoint = await deps.access.endpointById(task.endpointId);
    const upload = await uploadUrlOf(task, lease);
    // The ledger keeps each task's request in the shape of its type (validated at submit), which
    // TypeScript cannot see through the record's two separate fields.
    return {
      taskId: task.id,
      type: task.type,
      engine: runnerFamilyOf(task.engine) ?? task.engine,
      attempt: lease.attempt,
      leaseToken: lease.token,
      leaseExpiresAt: beat.expiresAt,
      heartbeatIntervalMs: Math.floor(deps.leaseMs / 3),
      deadlineAt: task.deadlineAt,
      request: task.request,
      seed: task.seed,
      endpointSettings: endpoint?.settings ?? {},
      source,
      output: { contentType: 'video/mp4', maxBytes: deps.media.videoMaxBytes, upload },
    } as RunnerTask;
  }

  /**
   * A presigned PUT for the attempt's own key, when the store has them (S3). It lives until the
   * task's deadline (capped by the store, 7 days on S3), not the lease: the lease is renewed while
   * the URL cannot be, and a task past its deadline accepts nothing anyway. Without a URL (or when
   * signing fails) the runner uploads through the API, which always works.
   */
  async function uploadUrlOf(task: TaskRecord, lease: Lease): Promise<RunnerTask['output']['upload']> {
    try {
      return await deps.blobs.uploadUrlFor(outputKeyOf(task.id, lease.attempt), {
        expiresAt: task.deadlineAt,
        contentType: 'video/mp4',
        maxBytes: deps.media.videoMaxBytes,
      });
    } catch (error) {
      log.warn({ err: error, taskId: task.id }, 'could not sign an upload URL; the runner uploads through the API');
      return null;
    }
  }

  /** Fails the attempt for its bad object and deletes it; always throws (the runner's answer). */
  async function rejectObject(task: TaskRecord, lease: Lease, key: string, rejected: RejectedOutput): Promise<never> {
    const status = await settleFailure(deps, lease, task, {
      error: { code: 'OUTPUT_INVALID', message: rejected.message },
      retryable: rejected.retryable,
    });
    // Lost meanwhile: the object is a stale attempt's, and the sweeper's to delete.
    if (status === null) throw leaseLost();
    if (status === 'FAIL') await finished(task.id);
    await deps.blobs
      .delete(key)
      .catch((err) => log.warn({ err, taskId: task.id, key }, 'could not delete a rejected upload; the sweeper will'));
    log.warn({ taskId: task.id, attempt: lease.attempt, key, why: rejected.message }, 'a runner uploaded a bad object');
    throw new ApiError(
      rejected.apiCode,
      `${rejected.message}. The object was deleted and this attempt failed (task ${status}): send nothing more about it`,
    );
  }

  async function finished(taskId: string): Promise<void> {
    await deps.sources.remove(taskId).catch((err) => log.warn({ err, taskId }, 'could not delete the staged source'));
    deps.onFinished(taskId);
  }

  return {
    /** The runner behind a Bearer token; 401 for anything else (access keys included). */
    async authenticate(authorization: string | undefined): Promise<RunnerRecord> {
      const secret = bearerToken(authorization);
      if (!secret) {
        throw new ApiError(
          'UNAUTHORIZED',
          'Missing or malformed Authorization header; expected "Bearer <runner token>"',
        );
      }
      const runner = await deps.runners.byHash(hashAccessKey(secret));
      if (!runner) {
        throw new ApiError('UNAUTHORIZED', 'Unknown or revoked runner token');
      }
      // Most calls come well within the interval: skip the write statement, not just the write.
      const now = clock.now();
      if (runner.lastSeenAt === null || now - runner.lastSeenAt >= TOUCH_INTERVAL_MS) {
        await deps.runners.touch(runner.id, now, TOUCH_INTERVAL_MS);
      }
      return runner;
    },

    /** Long-poll: a task with a fresh lease, or null when none arrived within waitMs. */
    async claim(runner: RunnerRecord, request: RunnerClaimRequest, signal: AbortSignal): Promise<RunnerTask | null> {
      const families = withinGrant(request.engines, runner.engines, 'engine');
      const types = withinGrant<TaskType>(request.operations, runner.operations, 'operation');
      const workerId = runnerWorkerId(runner.id);
      const atCapacity = () =>
        new ApiError(
          'RUNNER_AT_CAPACITY',
          `This runner already holds ${runner.concurrency} task(s), its concurrency; finish one first`,
          { retryAfter: 1 },
        );
      // Checked up front for a prompt answer, and again inside every claim, which is what holds.
      if ((await ledger.openLeases([workerId])).length >= runner.concurrency) throw atCapacity();
      const engines = families.map(runnerQueueEngine);
      const stop = AbortSignal.any([signal, life.signal]);
      const deadline = clock.now() + request.waitMs;
      for (;;) {
        if (stop.aborted) return null;
        const lease = await ledger.claim({
          workerId,
          engines,
          types,
          leaseMs: deps.leaseMs,
          now: clock.now(),
          maxOpen: runner.concurrency,
        });
        if (lease) {
          const task = await ledger.get(lease.taskId);
          const claimed = task && (await toRunnerTask(task, lease, stop));
          if (claimed) {
            log.info({ taskId: lease.taskId, attempt: lease.attempt, runnerId: runner.id }, 'task claimed by a runner');
            return claimed;
          }
          continue;
        }
        const remaining = deadline - clock.now();
        if (remaining <= 0) return null;
        // Another claim of this runner may have taken its last free place meanwhile.
        if ((await ledger.openLeases([workerId])).length >= runner.concurrency) throw atCapacity();
        const next = await ledger.nextRunAt(engines);
        const untilNext = next === null ? Number.POSITIVE_INFINITY : Math.max(0, next - clock.now());
        await deps.signal.wait(engines, Math.min(remaining, untilNext, deps.pollIntervalMs), stop);
      }
    },

    /** A claim whose response never reached the runner goes straight back to the queue. */
    async unclaim(task: RunnerTask): Promise<void> {
      const state = await ledger.attempt(task.taskId, task.leaseToken);
      if (state && state.outcome === null && (await ledger.release(state.lease, clock.now()))) {
        deps.signal.notify(runnerQueueEngine(task.engine));
      }
    },

    async heartbeat(
      runner: RunnerRecord,
      taskId: string,
      token: string | undefined,
      body: RunnerHeartbeatRequest,
    ): Promise<RunnerHeartbeatResponse> {
      const { task, state } = await attemptOf(runner, taskId, token);
      // A lease ended by the client's cancel or by the deadline is news for the runner, not an error.
      const stopped = task.status === 'FAIL' && (task.error?.code === 'CANCELLED' || task.error?.code === 'TIMEOUT');
      if (state.outcome !== null && stopped && (state.outcome === 'cancelled' || state.outcome === 'failed')) {
        return { cancelled: true, leaseExpiresAt: null };
      }
      const beat = await ledger.heartbeat(openAttempt(state), body.progress, deps.leaseMs, clock.now(), body.stage);
      if (!beat.ok) throw leaseLost();
      return { cancelled: false, leaseExpiresAt: beat.expiresAt };
    },

    async upload(
      runner: RunnerRecord,
      taskId: string,
      token: string | undefined,
      body: Parameters<typeof receiveOutput>[0],
      signal: AbortSignal,
    ): Promise<RunnerUploadResponse> {
      const lease = openAttempt((await attemptOf(runner, taskId, token)).state);
      const received = await receiveOutput(body, {
        dir: uploadDirOf(deps.workRoot, taskId, lease.attempt),
        maxBytes: deps.media.videoMaxBytes,
        media: deps.media,
        signal,
      });
      try {
        // Re-checked after the upload: the lease may have been lost while the bytes came in.
        if ((await ledger.attempt(taskId, lease.token))?.outcome !== null) throw leaseLost();
        // The attempt's own key: a runner that lost its lease cannot overwrite the committed result.
        await deps.blobs.putFile(outputKeyOf(taskId, lease.attempt), received.path, 'video/mp4');
        if (!(await ledger.stageOutput(lease, received.video))) throw leaseLost();
        return { size: received.size, video: received.video };
      } finally {
        await rm(received.dir, { recursive: true, force: true });
      }
    },

    /**
     * The runner says its result is at the presigned PUT URL of the claim. The object is checked
     * like an upload; a bad one fails the attempt (the runner sends nothing more) and is deleted.
     * A stale runner gets LEASE_LOST and its object is left to the orphan sweeper.
     */
    async uploaded(
      runner: RunnerRecord,
      taskId: string,
      token: string | undefined,
      signal: AbortSignal,
    ): Promise<RunnerUploadResponse> {
      const { task, state } = await attemptOf(runner, taskId, token);
      const lease = openAttempt(state);
      const key = outputKeyOf(taskId, lease.attempt);
      let received: Awaited<ReturnType<typeof receiveStoredOutput>>;
      try {
        received = await receiveStoredOutput(deps.blobs, key, {
          // A directory per call: a runner retrying after a timeout may overlap its first call.
          dir: `${uploadDirOf(deps.workRoot, taskId, lease.attempt)}-${randomUUID()}`,
          maxBytes: deps.media.videoMaxBytes,
          contentType: 'video/mp4',
          media: deps.media,
          signal,
        });
      } catch (error) {
        if (!(error instanceof RejectedOutput)) throw error;
        return await rejectObject(task, lease, key, error);
      }
      try {
        // Re-checked after the check: the lease may have been lost while the object was downloaded.
        if ((await ledger.attempt(taskId, lease.token))?.outcome !== null) throw leaseLost();
        if (!(await ledger.stageOutput(lease, received.video))) throw leaseLost();
        return { size: received.size, video: received.video };
      } finally {
        await rm(received.dir, { recursive: true, force: true });
      }
    },

    async complete(runner: RunnerRecord, taskId: string, token: string | undefined): Promise<RunnerSettleResponse> {
      const { task, state } = await attemptOf(runner, taskId, token);
      const lease = openAttempt(state);
      if (!state.output) throw new ApiError('OUTPUT_MISSING', 'Upload the result before completing the task');
      const now = clock.now();
      const done = await ledger.commit(
        lease,
        { outputKey: outputKeyOf(taskId, lease.attempt), video: state.output, retainUntil: now + deps.retentionMs },
        now,
      );
      if (!done) throw leaseLost();
      events.finished(task, null);
      events.attemptEnded(task, 'succeeded', now - state.startedAt);
      log.info({ taskId, attempt: lease.attempt, runnerId: runner.id }, 'task succeeded on a runner');
      await finished(taskId);
      return { status: 'SUCCESS' };
    },

    async fail(
      runner: RunnerRecord,
      taskId: string,
      token: string | undefined,
      body: RunnerFailRequest,
    ): Promise<RunnerSettleResponse> {
      const { task, state } = await attemptOf(runner, taskId, token);
      const status = await settleFailure(deps, openAttempt(state), task, {
        error: { code: body.code, message: body.message },
        retryable: body.retryable,
        retryAfterMs: body.retryAfterMs,
      });
      if (status === null) throw leaseLost();
      events.attemptEnded(task, ended(status), clock.now() - state.startedAt);
      if (status === 'FAIL') await finished(taskId);
      return { status };
    },

    async abort(
      runner: RunnerRecord,
      taskId: string,
      token: string | undefined,
      reason: string | undefined,
    ): Promise<RunnerSettleResponse> {
      const { task, state } = await attemptOf(runner, taskId, token);
      if (!(await ledger.release(openAttempt(state), clock.now()))) throw leaseLost();
      events.attemptEnded(task, 'released', clock.now() - state.startedAt);
      log.info({ taskId, runnerId: runner.id, reason }, 'a runner gave a task back');
      deps.signal.notify(task.engine);
      return { status: 'PENDING' };
    },

    /** Ends long-polls now (server shutdown). */
    close(): void {
      life.abort();
    },
  };
}

export type RunnerService = ReturnType<typeof createRunnerService>;
