/**
 * The `upstream` engine (docs/upstream.md): a task of an endpoint of this engine is made by
 * another video API, an OpenAI-Videos server or a seed-API (Haiper-shaped) one, which this engine
 * submits to, polls, and downloads from.
 *
 * Exactly one upstream task per task: the upstream's id is checkpointed (EngineContext.checkpoint,
 * a fenced write on the task row) the moment the submit returns, and every later attempt (after a
 * retry, a restart, a kill -9) resumes polling it. The gap between the upstream's answer and that
 * write is covered by the Idempotency-Key the submit carries, `vidforge-{taskId}-{generation}`,
 * which an upstream that honours it (Vidforge does) answers with the same task. The generation
 * moves on only when the upstream task is known to be over without a result (it failed, or the
 * upstream forgot it), so that the next attempt submits a new one.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { TaskErrorCode } from '@vidforge/contract';
import { createSafeFetcher, hostPortOf } from '../../modules/media/safe-fetcher.ts';
import { videoInfoOf } from '../../modules/media/video-info.ts';
import type { EngineDeps } from '../catalog.ts';
import { type Engine, type EngineContext, EngineError, type EngineTask } from '../engine.ts';
import {
  haiperClient,
  openAiClient,
  type UpstreamClient,
  type UpstreamJob,
  type UpstreamStatus,
} from './upstream-clients.ts';
import { createUpstreamHttp, UpstreamHttpError } from './upstream-http.ts';
import { parseUpstreamSettings, UPSTREAM_ENGINE, type UpstreamSettings } from './upstream-settings.ts';

/** What the engine checkpoints. */
interface UpstreamState {
  v: 1;
  /** Counts the upstream tasks this task has needed; part of the idempotency key. */
  gen: number;
  /** The current generation's upstream task, once submitted. */
  upstreamId?: string;
  /** Seed shape: the source already uploaded to the upstream, reused by later submits. */
  sourceUrl?: string;
}

/** Of the upstream's progress, the share shown before the download; the rest is the download. */
const UPSTREAM_SHARE = 0.95;
const SOURCE_CODES: readonly string[] = [
  'SOURCE_FETCH_FAILED',
  'SOURCE_TOO_LARGE',
  'SOURCE_UNSUPPORTED',
  'SOURCE_INVALID',
];
/** Upstream failures that another try may not repeat. */
const TRANSIENT_CODES: readonly string[] = ['TIMEOUT', 'ENGINE_FAILED', 'ENGINE_UNAVAILABLE', 'INTERNAL_ERROR'];

function stateOf(value: unknown): UpstreamState {
  const state = value as Partial<UpstreamState> | null;
  if (state?.v !== 1 || typeof state.gen !== 'number' || state.gen < 1) return { v: 1, gen: 1 };
  return {
    v: 1,
    gen: state.gen,
    ...(typeof state.upstreamId === 'string' ? { upstreamId: state.upstreamId } : {}),
    ...(typeof state.sourceUrl === 'string' ? { sourceUrl: state.sourceUrl } : {}),
  };
}

export const idempotencyKeyOf = (taskId: string, gen: number) => `vidforge-${taskId}-${gen}`;

const sourceUrlOf = (request: EngineTask['request']): string | undefined => {
  const config = (request.body as { config?: { sourceImage?: string; sourceVideo?: string } }).config;
  return config?.sourceVideo ?? config?.sourceImage;
};

export function createUpstreamEngine(deps: EngineDeps, options: { random?: () => number } = {}): Engine {
  const random = options.random ?? Math.random;

  function clientFor(settings: UpstreamSettings): UpstreamClient {
    const http = createUpstreamHttp(settings);
    return settings.kind === 'openai' ? openAiClient(settings, http) : haiperClient(settings, http);
  }

  /** The failed upstream task as this task's error. */
  function upstreamFailed(id: string, status: UpstreamStatus): { error: EngineError; transient: boolean } {
    const code = (status.error?.code ?? 'unknown').toUpperCase();
    const said = `the upstream task ${id} failed (${status.error?.code ?? 'no code'})${status.error?.message ? `: ${status.error.message}` : ''}`;
    if (SOURCE_CODES.includes(code)) return { error: new EngineError(code as TaskErrorCode, said), transient: false };
    if (code === 'CANCELLED') {
      return {
        error: new EngineError('ENGINE_FAILED', `the upstream task ${id} was cancelled on the upstream`),
        transient: false,
      };
    }
    const transient = TRANSIENT_CODES.includes(code) || code === 'UNKNOWN';
    return { error: new EngineError('ENGINE_FAILED', said, { retryable: transient }), transient };
  }

  async function download(
    settings: UpstreamSettings,
    client: UpstreamClient,
    id: string,
    status: UpstreamStatus,
    context: EngineContext,
  ) {
    const { url, headers } = client.resultOf(id, status);
    let target: URL;
    try {
      target = new URL(url);
    } catch {
      throw new EngineError('ENGINE_FAILED', "the upstream's media URL is not a valid URL");
    }
    if (!settings.mediaHostPorts.includes(hostPortOf(target))) {
      throw new EngineError(
        'ENGINE_FAILED',
        `the upstream's media URL is on ${target.host}, which is neither the host of settings.baseUrl nor one of settings.mediaHosts`,
      );
    }
    // The server's own fetch rules, plus this endpoint's hosts, for this one download.
    const fetcher = createSafeFetcher({
      ...deps.media,
      fetchAllow: [...deps.media.fetchAllow, ...settings.mediaAllow],
    });
    try {
      const media = await fetcher.fetch(url, 'video', context.workDir, context.signal, {
        headers,
        onlyHosts: settings.mediaHostPorts,
      });
      if (media.contentType !== 'video/mp4') {
        throw new EngineError('OUTPUT_INVALID', `the upstream's result is ${media.contentType}, not MP4`);
      }
      return { path: media.path, contentType: media.contentType, video: videoInfoOf(media.description) };
    } catch (error) {
      if (!(error instanceof EngineError) || error.code === 'OUTPUT_INVALID') throw error;
      // The checks speak of "the source"; here it is the upstream's result.
      const message = `the upstream's result: ${error.message.replace(/^(cannot fetch )?the source( video)?:? ?/, '')}`;
      if (error.retryable)
        throw new EngineError('ENGINE_UNAVAILABLE', message, { retryable: true, retryAfterMs: error.retryAfterMs });
      throw new EngineError(error.code === 'SOURCE_FETCH_FAILED' ? 'ENGINE_FAILED' : 'OUTPUT_INVALID', message);
    }
  }

  return {
    name: UPSTREAM_ENGINE,
    async run(task, context) {
      const parsed = parseUpstreamSettings(task.endpointSettings);
      if (!parsed.ok) throw new EngineError('ENGINE_UNAVAILABLE', parsed.problem);
      const settings = parsed.settings;
      const client = clientFor(settings);
      const { signal } = context;
      let state = stateOf(task.resumeState);
      const save = async (next: UpstreamState) => {
        await context.checkpoint(next);
        state = next;
      };

      try {
        if (state.upstreamId === undefined) {
          const job: UpstreamJob = { request: task.request };
          const callerUrl = sourceUrlOf(task.request);
          if (callerUrl !== undefined) {
            if (!client.sendsFiles) job.sourceUrl = callerUrl;
            else if (client.upload) {
              if (state.sourceUrl === undefined) {
                const url = await client.upload(await context.source(), signal);
                await save({ ...state, sourceUrl: url });
              }
              job.sourceUrl = state.sourceUrl;
            } else job.sourceFile = await context.source();
          }
          let id: string;
          try {
            id = await client.submit(job, idempotencyKeyOf(task.id, state.gen), signal);
          } catch (error) {
            // The key was used for another body: a file re-sent after a crash got a new upload
            // name on the upstream. That task's id is lost to us; submit under the next key.
            if (
              !(
                error instanceof UpstreamHttpError &&
                error.status === 409 &&
                /idempotency/i.test(error.upstreamCode ?? '')
              )
            ) {
              throw error;
            }
            await save({ ...state, gen: state.gen + 1 });
            id = await client.submit(job, idempotencyKeyOf(task.id, state.gen), signal);
          }
          await save({ ...state, upstreamId: id });
        }
        const id = state.upstreamId as string;

        let wait = settings.pollIntervalMs;
        let seen = -1;
        let status: UpstreamStatus;
        for (;;) {
          try {
            status = await client.poll(id, signal);
          } catch (error) {
            if (error instanceof UpstreamHttpError && error.status === 404) {
              await save({ v: 1, gen: state.gen + 1, ...(state.sourceUrl ? { sourceUrl: state.sourceUrl } : {}) });
              throw new EngineError(
                'ENGINE_FAILED',
                `the upstream no longer knows task ${id}; the next attempt submits it again`,
                {
                  retryable: true,
                },
              );
            }
            throw error;
          }
          context.progress(status.progress * UPSTREAM_SHARE, status.state);
          if (status.state === 'succeeded') break;
          if (status.state === 'failed') {
            const { error, transient } = upstreamFailed(id, status);
            if (transient)
              await save({ v: 1, gen: state.gen + 1, ...(state.sourceUrl ? { sourceUrl: state.sourceUrl } : {}) });
            throw error;
          }
          // Back off while nothing moves; look again soon once it does. Jitter spreads the polls
          // of tasks that started together.
          if (status.progress !== seen) {
            seen = status.progress;
            wait = settings.pollIntervalMs;
          } else wait = Math.min(settings.pollMaxIntervalMs, wait * 1.5);
          await sleep(Math.round(wait * (0.8 + 0.4 * random())), undefined, { signal });
        }
        return await download(settings, client, id, status, context);
      } catch (error) {
        // Cancelled or past its deadline here: stop the upstream's work too. After a shutdown or a
        // lost lease the task goes on, and a later attempt resumes the upstream task instead.
        if (signal.aborted && signal.reason === 'finished-elsewhere' && state.upstreamId !== undefined) {
          await client.cancel(state.upstreamId, AbortSignal.timeout(settings.requestTimeoutMs)).catch(() => {});
        }
        throw error;
      }
    },
  };
}
