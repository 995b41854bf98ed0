/**
 * The two API shapes an upstream may speak, behind one interface: submit, poll, cancel, and where
 * the result is. Each maps the upstream's states and progress onto ours (queued / running /
 * succeeded / failed; progress as a fraction).
 *
 * How a task's source reaches the upstream (docs/upstream.md): this server fetches and checks it
 * first (EngineContext.source), then sends the file itself, so the upstream never needs to reach
 * the caller's URL: the OpenAI shape as a multipart file (`input_reference` on create, `video` on
 * `POST /videos/extensions`), the seed shape through the upstream's `POST …/uploads` and the URL
 * that returns (or, with `sources: "url"`, the caller's own URL, for upstreams without uploads).
 */
import { openAsBlob } from 'node:fs';
import { basename } from 'node:path';
import { OUTPUT_SIZES, type TaskRequest } from '@vidforge/contract';
import { EngineError, type LocalSource } from '../engine.ts';
import type { UpstreamHttp } from './upstream-http.ts';
import type { UpstreamSettings } from './upstream-settings.ts';

export interface UpstreamStatus {
  state: 'queued' | 'running' | 'succeeded' | 'failed';
  /** Fraction in [0, 1]. */
  progress: number;
  error?: { code: string; message: string };
  /** The seed shape's mediaUrl on success. */
  mediaUrl?: string;
}

/** What a submit sends: the task's request and, for sourced tasks, how the source travels. */
export interface UpstreamJob {
  request: TaskRequest;
  /** The URL the upstream fetches the source from (seed shape). */
  sourceUrl?: string;
  /** The checked local file (OpenAI shape). */
  sourceFile?: LocalSource;
}

export interface UpstreamClient {
  /** Whether a sourced task sends its file (true) or a URL (false), and so needs the fetched source. */
  readonly sendsFiles: boolean;
  /** Seed shape with uploads: the file → a URL on the upstream. */
  upload?(file: LocalSource, signal: AbortSignal): Promise<string>;
  /** The upstream's task id. */
  submit(job: UpstreamJob, idempotencyKey: string, signal: AbortSignal): Promise<string>;
  poll(id: string, signal: AbortSignal): Promise<UpstreamStatus>;
  cancel(id: string, signal: AbortSignal): Promise<void>;
  /** Where to download a succeeded task's video, and the headers that go with it (to that origin only). */
  resultOf(id: string, status: UpstreamStatus): { url: string; headers: Record<string, string> };
}

const fraction = (value: unknown, scale: number) => {
  const n = typeof value === 'number' && Number.isFinite(value) ? value / scale : 0;
  // A server that reports percent where a fraction is expected still maps sensibly.
  const f = n > 1 ? n / 100 : n;
  return Math.min(1, Math.max(0, f));
};

function errorOf(value: unknown): { code: string; message: string } | undefined {
  if (!value || typeof value !== 'object') return undefined;
  const { code, message } = value as { code?: unknown; message?: unknown };
  return { code: typeof code === 'string' ? code : 'unknown', message: typeof message === 'string' ? message : '' };
}

function idOf(body: unknown, field: string, what: string): string {
  const id = (body as Record<string, unknown> | null)?.[field];
  if (typeof id !== 'string' || id === '' || id.length > 200) {
    throw new EngineError('ENGINE_FAILED', `the upstream's answer to ${what} has no ${field}`, { retryable: true });
  }
  return id;
}

/** The state an upstream status maps to; a status neither shape knows fails the attempt (retryable). */
function stateOf(states: Record<string, UpstreamStatus['state']>, status: unknown): UpstreamStatus['state'] {
  const state = typeof status === 'string' && Object.hasOwn(states, status) ? states[status] : undefined;
  if (!state) {
    throw new EngineError('ENGINE_FAILED', `the upstream answered an unknown status ${JSON.stringify(status)}`, {
      retryable: true,
    });
  }
  return state;
}

async function fileBlob(file: LocalSource): Promise<Blob> {
  return openAsBlob(file.path, { type: file.contentType });
}

/** The seed API (CONTRACT.md Part A): another Vidforge, or the hosted original. */
export function haiperClient(settings: UpstreamSettings, http: UpstreamHttp): UpstreamClient {
  const prefix = `/${settings.endpointPath}`;
  const tasks = (id: string) => `${prefix}/video/tasks/${encodeURIComponent(id)}`;
  const STATES = { PENDING: 'queued', IN_PROGRESS: 'running', SUCCESS: 'succeeded', FAIL: 'failed' } as const;
  return {
    sendsFiles: settings.sources === 'upload',

    async upload(file, signal) {
      const { body } = await http.call(`${prefix}/uploads`, {
        method: 'POST',
        body: await fileBlob(file),
        contentType: file.contentType,
        what: 'upload',
        signal,
      });
      return idOf(body, 'url', 'the upload');
    },

    async submit(job, idempotencyKey, signal) {
      const { type } = job.request;
      const body = structuredClone(job.request.body) as { config?: Record<string, unknown> };
      if (job.sourceUrl !== undefined) {
        if (type === 'generate') body.config = { ...body.config, sourceImage: job.sourceUrl };
        else body.config = { ...body.config, sourceVideo: job.sourceUrl };
      }
      const answer = await http.call(`${prefix}/video/${type}`, {
        method: 'POST',
        body,
        headers: { 'idempotency-key': idempotencyKey },
        what: 'submit',
        signal,
      });
      return idOf(answer.body, 'taskId', 'the submit');
    },

    async poll(id, signal) {
      const { body } = await http.call(tasks(id), { method: 'GET', what: 'poll', signal });
      const task = (body ?? {}) as Record<string, unknown>;
      return {
        state: stateOf(STATES, task.status),
        progress: fraction(task.progress, 1),
        error: errorOf(task.error),
        mediaUrl: typeof task.mediaUrl === 'string' ? task.mediaUrl : undefined,
      };
    },

    async cancel(id, signal) {
      await http.call(tasks(id), { method: 'DELETE', what: 'cancel', signal });
    },

    resultOf(_id, status) {
      if (!status.mediaUrl)
        throw new EngineError('ENGINE_FAILED', 'the upstream reported success without a mediaUrl', { retryable: true });
      // A signed media URL needs no credential, and must not be sent one.
      return { url: status.mediaUrl, headers: {} };
    },
  };
}

/** The OpenAI Videos API: SGLang Diffusion, vLLM-Omni, FastVideo, another Vidforge's /v1. */
export function openAiClient(settings: UpstreamSettings, http: UpstreamHttp): UpstreamClient {
  const STATES = { queued: 'queued', in_progress: 'running', completed: 'succeeded', failed: 'failed' } as const;
  const video = (id: string) => `/videos/${encodeURIComponent(id)}`;

  /** Fields as strings: a form takes nothing else, and OpenAI's `seconds` is a string anyway. */
  function fieldsOf(job: UpstreamJob): Record<string, string> {
    const { request } = job;
    const fields: Record<string, string> = {};
    if (settings.model) fields.model = settings.model;
    if (request.type === 'generate') {
      const { body } = request;
      fields.prompt = body.prompt;
      fields.seconds = String(body.settings.duration);
      const size = OUTPUT_SIZES[body.settings.aspectRatio];
      fields.size = `${size.width}x${size.height}`;
      fields.seed = String(body.settings.seed);
      if (body.negativePrompt) fields.negative_prompt = body.negativePrompt;
    } else if (request.type === 'extend') {
      const { body } = request;
      if (body.prompt) fields.prompt = body.prompt;
      fields.seconds = String(body.config.extendDuration);
      fields.seed = String(body.settings.seed);
      fields.guidance_scale = String(body.settings.guidanceScale);
      if (body.negativePrompt) fields.negative_prompt = body.negativePrompt;
    }
    return fields;
  }

  return {
    sendsFiles: true,

    async submit(job, idempotencyKey, signal) {
      const { type } = job.request;
      if (type === 'upscale') {
        throw new EngineError(
          'ENGINE_UNAVAILABLE',
          'this endpoint forwards to an OpenAI-Videos upstream, and that API has no upscale: use an endpoint of kind "haiper" or another engine',
        );
      }
      const fields = fieldsOf(job);
      let body: unknown = fields;
      if (type === 'generate' && !job.sourceFile) {
        // JSON where the API allows it: numbers as numbers, as the open servers expect.
        body = { ...fields, seed: Number(fields.seed) };
      } else {
        if (!job.sourceFile) throw new EngineError('INTERNAL_ERROR', 'an extension needs its source video');
        const form = new FormData();
        for (const [name, value] of Object.entries(fields)) form.append(name, value);
        const file = job.sourceFile;
        form.append(type === 'generate' ? 'input_reference' : 'video', await fileBlob(file), basename(file.path));
        body = form;
      }
      const answer = await http.call(type === 'generate' ? '/videos' : '/videos/extensions', {
        method: 'POST',
        body,
        headers: { 'idempotency-key': idempotencyKey },
        what: 'submit',
        signal,
      });
      return idOf(answer.body, 'id', 'the submit');
    },

    async poll(id, signal) {
      const { body } = await http.call(video(id), { method: 'GET', what: 'poll', signal });
      const object = (body ?? {}) as Record<string, unknown>;
      return {
        state: stateOf(STATES, object.status),
        progress: fraction(object.progress, 100),
        error: errorOf(object.error),
      };
    },

    async cancel(id, signal) {
      await http.call(video(id), { method: 'DELETE', what: 'cancel', signal });
    },

    resultOf(id) {
      // The content route needs the credential; the fetcher sends it to this origin only.
      return { url: `${settings.baseUrl}${video(id)}/content`, headers: http.authHeaders };
    },
  };
}
