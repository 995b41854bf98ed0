/** The Vidforge API client. Runs wherever `fetch` does: Node 20+, browsers, workers. */
import type {
  ExtendRequestInput,
  GenerateRequestInput,
  SubmitResponse,
  Task,
  TaskList,
  TaskType,
  UploadResponse,
  UpscaleRequestInput,
} from './contract-types.ts';
import { streamUntilDone } from './events.ts';
import { newIdempotencyKey } from './idempotency.ts';
import { TaskListing } from './list.ts';
import { type DownloadResult, type MediaStream, openMedia, pipeMedia } from './media.ts';
import type {
  ListTasksParams,
  RequestOptions,
  SubmitAndWaitOptions,
  SubmitOptions,
  VidforgeOptions,
  WaitOptions,
} from './options.ts';
import { Transport } from './transport.ts';
import { toBlob, UPLOAD_TIMEOUT_MS, type UploadSource } from './upload.ts';
import {
  openWaitScope,
  pollUntilDone,
  progressReporter,
  translateWaitError,
  type WaitProgress,
  type WaitScope,
} from './wait.ts';

const DEFAULTS = { timeoutMs: 60_000, maxRetries: 2, retryBaseMs: 500, retryMaxMs: 8_000, maxRetryAfterMs: 60_000 };

type SubmitBody = { generate: GenerateRequestInput; upscale: UpscaleRequestInput; extend: ExtendRequestInput };

function required(name: string, value: unknown): string {
  if (typeof value !== 'string' || value.trim() === '') throw new TypeError(`Vidforge: ${name} is required`);
  return value;
}

/** Where a setting left out of the options comes from, as with the SDKs people know. */
const ENV_NAMES = {
  baseUrl: 'VIDFORGE_BASE_URL',
  endpointPath: 'VIDFORGE_ENDPOINT',
  accessKey: 'VIDFORGE_ACCESS_KEY',
} as const;

/** The option, or its environment variable where there is an environment (Node, Deno, Bun; not browsers). */
function setting(options: VidforgeOptions, name: keyof typeof ENV_NAMES): string {
  const env = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env;
  const value = options[name] ?? env?.[ENV_NAMES[name]];
  if (typeof value !== 'string' || value.trim() === '') {
    throw new TypeError(`Vidforge: ${name} is required (pass it, or set ${ENV_NAMES[name]})`);
  }
  return value;
}

function taskPath(taskId: string): string {
  return `/video/tasks/${encodeURIComponent(required('taskId', taskId))}`;
}

/**
 * A client for one endpoint of a Vidforge server (or the hosted original: only `baseUrl` changes).
 *
 * @example
 * ```ts
 * const client = new Vidforge({ baseUrl: 'http://localhost:8080/v1/ai', endpointPath, accessKey });
 * const task = await client.generateAndWait({ prompt: 'A sunset over the ocean' });
 * console.log(task.mediaUrl);
 * ```
 */
export class Vidforge {
  readonly #transport: Transport;
  /** The basePath the client talks to, without a trailing slash. */
  readonly baseUrl: string;
  /** The endpointPath of every call. */
  readonly endpointPath: string;

  /**
   * Options left out are read from `VIDFORGE_BASE_URL`, `VIDFORGE_ENDPOINT` and `VIDFORGE_ACCESS_KEY`
   * where the runtime has an environment: `new Vidforge()` works in a configured shell.
   * @throws TypeError when `baseUrl` is not an absolute http(s) URL or a setting is missing or empty.
   */
  constructor(options: VidforgeOptions = {}) {
    const baseUrl = setting(options, 'baseUrl').replace(/\/+$/, '');
    let protocol: string;
    try {
      protocol = new URL(baseUrl).protocol;
    } catch {
      throw new TypeError(`Vidforge: baseUrl must be an absolute URL, got "${baseUrl}"`);
    }
    if (protocol !== 'http:' && protocol !== 'https:') throw new TypeError('Vidforge: baseUrl must use http or https');
    this.baseUrl = baseUrl;
    this.endpointPath = setting(options, 'endpointPath');
    // The key lives only inside the transport's private field: it never shows in logs of the client.
    this.#transport = new Transport({
      baseUrl,
      endpointPath: this.endpointPath,
      accessKey: setting(options, 'accessKey'),
      // Called through globalThis at call time: browsers reject a detached `fetch` ("Illegal invocation").
      fetch: options.fetch ?? ((input, init) => globalThis.fetch(input, init)),
      timeoutMs: options.timeoutMs ?? DEFAULTS.timeoutMs,
      maxRetries: options.maxRetries ?? DEFAULTS.maxRetries,
      retryBaseMs: options.retryBaseMs ?? DEFAULTS.retryBaseMs,
      retryMaxMs: options.retryMaxMs ?? DEFAULTS.retryMaxMs,
      maxRetryAfterMs: options.maxRetryAfterMs ?? DEFAULTS.maxRetryAfterMs,
    });
  }

  /**
   * Submits a text- or image-to-video task (`POST …/video/generate`).
   * @param request - `prompt` is required; `settings` defaults: seed -1, duration 2, aspectRatio "16:9".
   * @returns the new task's id; retried submits with the same Idempotency-Key return the same id.
   * @throws InvalidRequestError when the server rejects the body (no task is created).
   */
  generate(request: GenerateRequestInput, options: SubmitOptions = {}): Promise<SubmitResponse> {
    return this.#submit('generate', request, options);
  }

  /**
   * Submits an upscale task (`POST …/video/upscale`): doubles width and height of `config.sourceVideo`.
   * @returns the new task's id.
   */
  upscale(request: UpscaleRequestInput, options: SubmitOptions = {}): Promise<SubmitResponse> {
    return this.#submit('upscale', request, options);
  }

  /**
   * Submits an extend task (`POST …/video/extend`): the source followed by `config.extendDuration`
   * (2 or 4, default 4) new seconds.
   * @returns the new task's id.
   */
  extend(request: ExtendRequestInput, options: SubmitOptions = {}): Promise<SubmitResponse> {
    return this.#submit('extend', request, options);
  }

  /**
   * Uploads a local file (`POST …/uploads`): the answer's `url` is accepted as `config.sourceImage`
   * (when `kind` is `"image"`) or `config.sourceVideo` (`"video"`) until `expiresAt`. The server
   * decides the type from the bytes and checks the file as it would a fetched source.
   * Network errors, 429 and 5xx are retried, sending the bytes again; `timeoutMs` is per attempt
   * and defaults to 10 minutes.
   * @param file - a `File` or `Blob` (from an input or a drop), an `ArrayBuffer` or a typed array;
   *   `@vidforge/sdk/node` also takes a file path.
   * @throws InvalidRequestError: 400 empty or unreadable, 413 too large, 415 not an image or video.
   */
  async uploadFile(file: UploadSource, options: RequestOptions = {}): Promise<UploadResponse> {
    const call = { timeoutMs: UPLOAD_TIMEOUT_MS, ...options, method: 'POST', path: '/uploads', file: toBlob(file) };
    return (await this.#transport.json<UploadResponse>(call as Parameters<Transport['json']>[0])).data;
  }

  /**
   * Reads a task (`GET …/video/tasks/{taskId}`). On SUCCESS its `mediaUrl` is freshly signed.
   * @throws NotFoundError for an unknown task, or one created on another endpoint.
   */
  async getTask(taskId: string, options: RequestOptions = {}): Promise<Task> {
    return (await this.#transport.json<Task>({ ...options, method: 'GET', path: taskPath(taskId) })).data;
  }

  /**
   * Cancels a PENDING or IN_PROGRESS task (`DELETE …/video/tasks/{taskId}`); it ends as FAIL with
   * code `CANCELLED`. Cancelling an already cancelled task returns it again.
   * @returns the task after cancellation.
   * @throws ConflictError (`TASK_NOT_CANCELLABLE`) when the task already finished otherwise.
   */
  async cancelTask(taskId: string, options: RequestOptions = {}): Promise<Task> {
    return (await this.#transport.json<Task>({ ...options, method: 'DELETE', path: taskPath(taskId) })).data;
  }

  /** Reads one page of the task list (`GET …/video/tasks`), newest first. */
  async listTasksPage(params: ListTasksParams = {}, options: RequestOptions = {}): Promise<TaskList> {
    const query = {
      status: params.status,
      limit: params.limit === undefined ? undefined : String(params.limit),
      cursor: params.cursor,
    };
    return (await this.#transport.json<TaskList>({ ...options, method: 'GET', path: '/video/tasks', query })).data;
  }

  /**
   * Lists tasks, newest first, across pages: `for await (const task of client.listTasks())`, or
   * `for await (const page of client.listTasks().pages())`. Pages are fetched as you iterate.
   */
  listTasks(params: ListTasksParams = {}, options: RequestOptions = {}): TaskListing {
    return new TaskListing((p, o) => this.listTasksPage(p, o), params, options);
  }

  /**
   * Polls a task until it finishes. The deadline and the signal abort the request in flight, not
   * only the pauses; transient errors (network, 429, 5xx) are ridden out until the deadline.
   * @returns the task on SUCCESS.
   * @throws TaskFailedError on FAIL, with the task's error code.
   * @throws TimeoutError when `timeoutMs` passes; the task keeps running, `error.taskId` resumes it.
   */
  async waitForTask(taskId: string, options: WaitOptions = {}): Promise<Task> {
    required('taskId', taskId);
    const scope = openWaitScope(options);
    try {
      return await this.#waitWithin(taskId, scope, options, { taskId });
    } finally {
      scope.dispose();
    }
  }

  /** {@link Vidforge.generate} then {@link Vidforge.waitForTask}; the deadline covers both. */
  generateAndWait(request: GenerateRequestInput, options: SubmitAndWaitOptions = {}): Promise<Task> {
    return this.#submitAndWait('generate', request, options);
  }

  /** {@link Vidforge.upscale} then {@link Vidforge.waitForTask}; the deadline covers both. */
  upscaleAndWait(request: UpscaleRequestInput, options: SubmitAndWaitOptions = {}): Promise<Task> {
    return this.#submitAndWait('upscale', request, options);
  }

  /** {@link Vidforge.extend} then {@link Vidforge.waitForTask}; the deadline covers both. */
  extendAndWait(request: ExtendRequestInput, options: SubmitAndWaitOptions = {}): Promise<Task> {
    return this.#submitAndWait('extend', request, options);
  }

  /**
   * Opens a finished task's video for streaming, refreshing an expired media URL by reading the
   * task again. The key is never sent to the media URL.
   * @param task - a task object (its `mediaUrl` is used while valid) or a task id.
   * @throws MediaUnavailableError when the task has not succeeded or its result is past retention.
   * @throws TaskFailedError when the task failed.
   */
  openMedia(task: Task | string, options: RequestOptions = {}): Promise<MediaStream> {
    return openMedia({ transport: this.#transport, getTask: (id, o) => this.getTask(id, o) }, task, options);
  }

  /**
   * Streams a finished task's video into a web `WritableStream` without buffering it. For files
   * and Node streams, use the `Vidforge` class from `@vidforge/sdk/node`.
   */
  async downloadMedia(
    task: Task | string,
    destination: WritableStream<Uint8Array>,
    options: RequestOptions = {},
  ): Promise<DownloadResult> {
    const media = await this.openMedia(task, options);
    return { task: media.task, bytes: await pipeMedia(media, destination, options.signal) };
  }

  async #submit<T extends TaskType>(type: T, body: SubmitBody[T], options: SubmitOptions): Promise<SubmitResponse> {
    const idempotencyKey = options.idempotencyKey ?? newIdempotencyKey();
    const call = { ...options, method: 'POST', path: `/video/${type}`, body, idempotencyKey } as const;
    return (await this.#transport.json<SubmitResponse>(call)).data;
  }

  async #submitAndWait<T extends TaskType>(type: T, body: SubmitBody[T], options: SubmitAndWaitOptions): Promise<Task> {
    const scope = openWaitScope(options);
    const progress: WaitProgress = { idempotencyKey: options.idempotencyKey ?? newIdempotencyKey() };
    try {
      const { taskId } = await this.#submit(type, body, {
        idempotencyKey: progress.idempotencyKey,
        signal: scope.signal,
        maxRetries: options.maxRetries,
      });
      progress.taskId = taskId;
      return await this.#waitWithin(taskId, scope, options, progress);
    } catch (error) {
      throw translateWaitError(error, scope, progress);
    } finally {
      scope.dispose();
    }
  }

  async #waitWithin(
    taskId: string,
    scope: WaitScope,
    options: WaitOptions & { maxRetries?: number },
    progress: WaitProgress,
  ): Promise<Task> {
    const report = progressReporter(options);
    try {
      if (options.stream ?? true) {
        const done = await streamUntilDone({
          signal: scope.signal,
          open: (signal, lastEventId) =>
            this.#transport.stream({
              method: 'GET',
              path: `${taskPath(taskId)}/events`,
              signal,
              // Refusals (no route, a cap) mean "poll instead", not "retry the stream".
              maxRetries: 0,
              headers: {
                accept: 'text/event-stream',
                ...(lastEventId === undefined ? {} : { 'last-event-id': lastEventId }),
              },
            }),
          onTask: (task) => {
            progress.lastTask = task;
            report(task);
          },
        });
        if (done) return done;
      }
      return await pollUntilDone(
        (signal) =>
          this.#transport.json<Task>({ method: 'GET', path: taskPath(taskId), signal, maxRetries: options.maxRetries }),
        scope,
        { ...options, onProgress: report },
        progress,
      );
    } catch (error) {
      throw translateWaitError(error, scope, progress);
    }
  }
}
