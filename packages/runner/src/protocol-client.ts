/**
 * The runner side of the runner protocol (docs/runner-protocol.md), one method per call. Answers
 * are read with a size limit and validated with the contract's schemas: a runner trusts a
 * malformed answer no more than the server trusts a malformed request. Claims are retried with
 * backoff while the server is unreachable or unavailable; calls about a task get a few quick
 * retries for network errors and 5xx only, never for a 4xx.
 */
import { createReadStream, createWriteStream } from 'node:fs';
import { rename, rm, stat } from 'node:fs/promises';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import {
  CLAIM_WAIT_DEFAULT_MS,
  LEASE_TOKEN_HEADER,
  REQUEST_SCHEMAS,
  RUNNER_BASE_PATH,
  RUNNER_PROTOCOL_VERSION,
  RunnerClaimEnvelope,
  type RunnerFailRequestInput,
  RunnerHeartbeatResponse,
  type RunnerOutputUpload,
  RunnerSettleResponse,
  type RunnerTask,
  type RunnerTaskEnvelope,
  type RunnerUploadResponse,
  RunnerUploadResponse as RunnerUploadResponseSchema,
  type TaskType,
} from '@vidforge/contract';
import { RunnerProtocolError } from './errors.ts';
import { backoffDelay, errorFromAnswer, printable, readBounded, sleep } from './http.ts';
import { putToStore } from './store-upload.ts';

export interface RunnerClientOptions {
  /** The server's URL, e.g. `https://vidforge.example.com` (a path prefix is kept); `/v1/runner` is appended. */
  serverUrl: string;
  /** The runner token (`vfr_…`). */
  token: string;
  /** Longest wait for one call's answer, on top of the claim's long-poll. Default 30 s. */
  requestTimeoutMs?: number;
  /** Largest JSON answer accepted. Default 1 MiB (a claimed task is a few KiB). */
  maxResponseBytes?: number;
  /** Claim backoff: first and largest pause between retries. Default 500 ms and 30 s. */
  claimRetryBaseMs?: number;
  claimRetryMaxMs?: number;
  /** How many times a claim is retried before its error is thrown. Default: for ever (until the signal aborts). */
  claimMaxRetries?: number;
  /** Quick retries of a call about a task after a network error or 5xx. Default 3, from 200 ms. */
  taskCallRetries?: number;
  taskRetryBaseMs?: number;
  /** Told before each claim retry, e.g. to log that the server cannot be reached. */
  onClaimRetry?(error: RunnerProtocolError, delayMs: number, retry: number): void;
}

export interface ClaimOptions {
  engines?: string[];
  operations?: TaskType[];
  /** Long-poll, 0–30000 ms; default 20000. */
  waitMs?: number;
}

export interface HeartbeatInput {
  progress: number;
  stage?: string;
}

/** Uploads are allowed this much time per byte on top of the request timeout: at least 256 KiB/s. */
const UPLOAD_MS_PER_BYTE = 1000 / (256 * 1024);
/** The stage field is at most 64 characters (RunnerHeartbeatRequest). */
const STAGE_MAX = 64;

/** What the client needs of a zod schema (the contract's), without depending on zod itself. */
interface Schema<T> {
  safeParse(
    value: unknown,
  ): { success: true; data: T } | { success: false; error: { issues: { path: PropertyKey[]; message: string }[] } };
}

interface CallOptions<T> {
  schema: Schema<T>;
  /** A JSON body, or a file to stream. */
  body?: unknown;
  upload?: { stream: ReadableStream<Uint8Array>; size: number; contentType: string };
  leaseToken?: string;
  signal?: AbortSignal;
  timeoutMs?: number;
}

const summarize = (issues: { path: PropertyKey[]; message: string }[]) =>
  printable(
    issues
      .slice(0, 3)
      .map((i) => `${i.path.map(String).join('.') || '(root)'}: ${i.message}`)
      .join('; '),
    300,
  );

export class RunnerClient {
  readonly #base: string;
  readonly #token: string;
  readonly #timeoutMs: number;
  readonly #maxResponseBytes: number;
  readonly #claimRetryBaseMs: number;
  readonly #claimRetryMaxMs: number;
  readonly #claimMaxRetries: number;
  readonly #taskCallRetries: number;
  readonly #taskRetryBaseMs: number;
  readonly #onClaimRetry: RunnerClientOptions['onClaimRetry'];
  /** The server, for log lines: `https://host:port`. */
  readonly origin: string;

  constructor(options: RunnerClientOptions) {
    let url: URL;
    try {
      url = new URL(options.serverUrl);
    } catch {
      throw new TypeError(`the server URL must be an absolute http(s) URL, got "${options.serverUrl}"`);
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:')
      throw new TypeError('the server URL must use http or https');
    if (url.username || url.password) throw new TypeError('the server URL must not contain a user name or password');
    if (!options.token) throw new TypeError('a runner token is required');
    this.origin = url.origin;
    this.#base = `${url.origin}${url.pathname.replace(/\/+$/, '')}${RUNNER_BASE_PATH}`;
    this.#token = options.token;
    this.#timeoutMs = options.requestTimeoutMs ?? 30_000;
    this.#maxResponseBytes = options.maxResponseBytes ?? 1024 * 1024;
    this.#claimRetryBaseMs = options.claimRetryBaseMs ?? 500;
    this.#claimRetryMaxMs = options.claimRetryMaxMs ?? 30_000;
    this.#claimMaxRetries = options.claimMaxRetries ?? Number.POSITIVE_INFINITY;
    this.#taskCallRetries = options.taskCallRetries ?? 3;
    this.#taskRetryBaseMs = options.taskRetryBaseMs ?? 200;
    this.#onClaimRetry = options.onClaimRetry;
  }

  /**
   * Waits up to `waitMs` for a task. Null when none came. Retries (with backoff, for as long as
   * `claimMaxRetries` allows) while the server is unreachable, answers 5xx, or says 429 (at
   * capacity: e.g. leases of a crashed previous run of this runner are still open).
   */
  async claim(options: ClaimOptions = {}, signal?: AbortSignal): Promise<RunnerTask | null> {
    const body = { ...options, waitMs: options.waitMs ?? CLAIM_WAIT_DEFAULT_MS };
    for (let retry = 0; ; retry++) {
      try {
        const answer = await this.#call('POST', '/claim', {
          schema: RunnerClaimEnvelope,
          body,
          signal,
          timeoutMs: body.waitMs + this.#timeoutMs,
        });
        if (answer.protocolVersion !== RUNNER_PROTOCOL_VERSION) await this.#refuseVersion(answer);
        return answer.task === null ? null : await this.#checkTask(answer.task);
      } catch (error) {
        if (signal?.aborted || !(error instanceof RunnerProtocolError)) throw error;
        const again = error.transient || error.status === 429;
        if (!again || retry >= this.#claimMaxRetries) throw error;
        const delay = error.retryAfterMs ?? backoffDelay(retry, this.#claimRetryBaseMs, this.#claimRetryMaxMs);
        this.#onClaimRetry?.(error, delay, retry + 1);
        await sleep(delay, signal);
      }
    }
  }

  /**
   * A server of another protocol version: a task it handed over is given back (best effort: its
   * lease expires otherwise), and no more is claimed. Retrying cannot help, so the error is final.
   */
  async #refuseVersion(answer: RunnerClaimEnvelope): Promise<never> {
    if (answer.task)
      await this.abort(answer.task.taskId, answer.task.leaseToken, 'runner protocol mismatch').catch(() => {});
    throw new RunnerProtocolError(
      'PROTOCOL_MISMATCH',
      `the server at ${this.origin} speaks runner protocol version ${answer.protocolVersion}, this runner speaks version ${RUNNER_PROTOCOL_VERSION}: upgrade the runner or the server so that they match`,
    );
  }

  /**
   * The claim schema accepts any of the three request shapes; the body must be the one of the
   * task's type. A task this runner cannot read is failed (best effort) rather than left to its
   * lease, so the server's retry policy decides instead of the reaper.
   */
  async #checkTask(task: RunnerTaskEnvelope): Promise<RunnerTask> {
    const parsed = REQUEST_SCHEMAS[task.type].safeParse(task.request);
    if (parsed.success) return { ...task, request: parsed.data } as RunnerTask;
    const message = `the ${task.type} request of task ${task.taskId} is malformed: ${summarize(parsed.error.issues)}`;
    await this.fail(task.taskId, task.leaseToken, {
      code: 'INTERNAL_ERROR',
      message: `The runner could not read the task: ${message}`,
      retryable: true,
    }).catch(() => {});
    throw new RunnerProtocolError('RESPONSE_INVALID', message);
  }

  /** Extends the lease and reports progress. `cancelled: true`: stop at once and send nothing more. */
  heartbeat(taskId: string, leaseToken: string, input: HeartbeatInput, signal?: AbortSignal) {
    const progress = Number.isFinite(input.progress) ? Math.min(1, Math.max(0, input.progress)) : 0;
    const stage = input.stage === undefined ? undefined : input.stage.slice(0, STAGE_MAX);
    return this.#taskCall(taskId, leaseToken, 'heartbeat', RunnerHeartbeatResponse, { progress, stage }, signal);
  }

  /**
   * Streams the file from disk (`Content-Length`, `Content-Type: video/mp4`). Uploading again
   * replaces the previous upload, so a retry after a network error is safe.
   */
  async uploadOutput(
    taskId: string,
    leaseToken: string,
    filePath: string,
    signal?: AbortSignal,
  ): Promise<RunnerUploadResponse> {
    const { size } = await stat(filePath);
    return this.#withQuickRetries(signal, () =>
      this.#call('PUT', `/tasks/${encodeURIComponent(taskId)}/output`, {
        schema: RunnerUploadResponseSchema,
        leaseToken,
        signal,
        timeoutMs: this.#timeoutMs + Math.ceil(size * UPLOAD_MS_PER_BYTE),
        upload: {
          stream: Readable.toWeb(createReadStream(filePath)) as ReadableStream<Uint8Array>,
          size,
          contentType: 'video/mp4',
        },
      }),
    );
  }

  /**
   * Streams the file to the claim's presigned PUT URL (no token: the URL is signed), retried a few
   * times after network errors and 5xx. A 412 counts as stored (an earlier try arrived). Then call
   * {@link uploaded}. A `STORE_REFUSED` error (4xx) means this URL will not work: upload through
   * the API instead.
   */
  async uploadToStore(upload: RunnerOutputUpload, filePath: string, signal?: AbortSignal) {
    const { size } = await stat(filePath);
    const timeoutMs = this.#timeoutMs + Math.ceil(size * UPLOAD_MS_PER_BYTE);
    return this.#withQuickRetries(signal, () => putToStore(upload, { path: filePath, size }, { signal, timeoutMs }));
  }

  /**
   * Tells the server the result is at the upload URL; it checks the object as it checks an upload
   * (allowing as long as an upload of `size` bytes). A 413 or 422 answer means the server failed
   * this attempt and deleted the object: send nothing more about the task.
   */
  uploaded(taskId: string, leaseToken: string, size: number, signal?: AbortSignal): Promise<RunnerUploadResponse> {
    const path = `/tasks/${encodeURIComponent(taskId)}/uploaded`;
    const timeoutMs = this.#timeoutMs + Math.ceil(size * UPLOAD_MS_PER_BYTE);
    return this.#withQuickRetries(signal, () =>
      this.#call('POST', path, { schema: RunnerUploadResponseSchema, body: {}, leaseToken, signal, timeoutMs }),
    );
  }

  /** Commits the uploaded output: the task is SUCCESS. */
  complete(taskId: string, leaseToken: string, signal?: AbortSignal) {
    return this.#taskCall(taskId, leaseToken, 'complete', RunnerSettleResponse, {}, signal);
  }

  /** Reports a failure; the server's retry policy answers PENDING (another attempt) or FAIL. */
  fail(taskId: string, leaseToken: string, input: RunnerFailRequestInput, signal?: AbortSignal) {
    const body = { ...input, message: printable(input.message, 2000) || 'The runner failed' };
    return this.#taskCall(taskId, leaseToken, 'fail', RunnerSettleResponse, body, signal);
  }

  /** Gives the task back at once (graceful shutdown); the attempt does not count as a failure. */
  abort(taskId: string, leaseToken: string, reason?: string, signal?: AbortSignal) {
    const body = reason === undefined ? {} : { reason: reason.slice(0, 500) };
    return this.#taskCall(taskId, leaseToken, 'abort', RunnerSettleResponse, body, signal);
  }

  /**
   * Downloads a task's source from its signed URL (no token is sent: the URL carries its own
   * signature) to `destPath`, through a `.part` file renamed when complete. The bytes must be
   * exactly the `expectedSize` the claim announced; a longer body is cut off at that size.
   */
  async downloadSource(
    url: string,
    destPath: string,
    signal?: AbortSignal,
    options: { expectedSize?: number; idleTimeoutMs?: number } = {},
  ): Promise<{ size: number; contentType: string | null }> {
    let target: URL;
    try {
      target = new URL(url);
    } catch {
      throw new RunnerProtocolError('SOURCE_INVALID', 'the source URL of the task is not a URL');
    }
    if (target.protocol !== 'http:' && target.protocol !== 'https:') {
      throw new RunnerProtocolError('SOURCE_INVALID', 'the source URL of the task is not http(s)');
    }
    const idleMs = options.idleTimeoutMs ?? this.#timeoutMs;
    const idle = new AbortController();
    let timer = setTimeout(() => idle.abort(), idleMs);
    const touch = () => {
      clearTimeout(timer);
      timer = setTimeout(() => idle.abort(), idleMs);
    };
    const combined = signal ? AbortSignal.any([signal, idle.signal]) : idle.signal;
    const part = `${destPath}.part`;
    try {
      const response = await fetch(target, { signal: combined, redirect: 'follow' });
      if (!response.ok) throw errorFromAnswer(response, await readBounded(response, 64 * 1024));
      const limit = options.expectedSize;
      let size = 0;
      const counter = new Transform({
        transform(chunk: Buffer, _encoding, callback) {
          touch();
          size += chunk.length;
          if (limit !== undefined && size > limit) {
            callback(
              new RunnerProtocolError('SOURCE_INVALID', `the source is larger than the ${limit} bytes announced`),
            );
          } else callback(null, chunk);
        },
      });
      const body = response.body ?? new ReadableStream<Uint8Array>({ start: (c) => c.close() });
      await pipeline(Readable.fromWeb(body as never), counter, createWriteStream(part));
      if (limit !== undefined && size !== limit) {
        throw new RunnerProtocolError('SOURCE_INVALID', `the source has ${size} bytes, ${limit} were announced`);
      }
      await rename(part, destPath);
      return { size, contentType: response.headers.get('content-type') };
    } catch (error) {
      await rm(part, { force: true });
      if (signal?.aborted) throw signal.reason;
      if (idle.signal.aborted) {
        throw new RunnerProtocolError('TIMEOUT', `the source download stalled for ${idleMs} ms`, { cause: error });
      }
      if (error instanceof RunnerProtocolError) throw error;
      throw new RunnerProtocolError('NETWORK_ERROR', `the source download failed: ${describe(error)}`, {
        cause: error,
      });
    } finally {
      clearTimeout(timer);
    }
  }

  #taskCall<T>(
    taskId: string,
    leaseToken: string,
    action: string,
    schema: Schema<T>,
    body: unknown,
    signal: AbortSignal | undefined,
  ): Promise<T> {
    const path = `/tasks/${encodeURIComponent(taskId)}/${action}`;
    return this.#withQuickRetries(signal, () => this.#call('POST', path, { schema, body, leaseToken, signal }));
  }

  async #withQuickRetries<T>(signal: AbortSignal | undefined, call: () => Promise<T>): Promise<T> {
    for (let retry = 0; ; retry++) {
      try {
        return await call();
      } catch (error) {
        const again = error instanceof RunnerProtocolError && error.transient && !signal?.aborted;
        if (!again || retry >= this.#taskCallRetries) throw error;
        await sleep(backoffDelay(retry, this.#taskRetryBaseMs, this.#taskRetryBaseMs * 8), signal);
      }
    }
  }

  async #call<T>(method: string, path: string, options: CallOptions<T>): Promise<T> {
    const timeoutMs = options.timeoutMs ?? this.#timeoutMs;
    const timeout = AbortSignal.timeout(timeoutMs);
    const signal = options.signal ? AbortSignal.any([options.signal, timeout]) : timeout;
    const headers: Record<string, string> = { authorization: `Bearer ${this.#token}`, accept: 'application/json' };
    if (options.leaseToken !== undefined) headers[LEASE_TOKEN_HEADER] = options.leaseToken;
    let init: RequestInit & { duplex?: 'half' };
    const { upload } = options;
    if (upload) {
      headers['content-type'] = upload.contentType;
      headers['content-length'] = String(upload.size);
      init = { method, headers, body: upload.stream, duplex: 'half', signal };
    } else {
      headers['content-type'] = 'application/json';
      init = { method, headers, body: JSON.stringify(options.body ?? {}), signal };
    }
    const what = `${method} ${RUNNER_BASE_PATH}${path}`;
    try {
      const response = await fetch(`${this.#base}${path}`, init);
      const text = await readBounded(response, this.#maxResponseBytes);
      if (!response.ok) throw errorFromAnswer(response, text);
      let json: unknown;
      try {
        json = JSON.parse(text);
      } catch {
        throw new RunnerProtocolError('RESPONSE_INVALID', `${what}: the answer is not JSON`, {
          status: response.status,
        });
      }
      const parsed = options.schema.safeParse(json);
      if (!parsed.success) {
        const issues = summarize(parsed.error.issues);
        throw new RunnerProtocolError('RESPONSE_INVALID', `${what}: unexpected answer (${issues})`, {
          status: response.status,
        });
      }
      return parsed.data;
    } catch (error) {
      if (options.signal?.aborted) throw options.signal.reason;
      if (error instanceof RunnerProtocolError) throw error;
      if (timeout.aborted) {
        throw new RunnerProtocolError('TIMEOUT', `${what}: no answer within ${timeoutMs} ms`, { cause: error });
      }
      throw new RunnerProtocolError('NETWORK_ERROR', `${what}: ${describe(error)}`, { cause: error });
    }
  }
}

/** "fetch failed" says nothing; the cause (ECONNREFUSED 127.0.0.1:8080) does. */
function describe(error: unknown): string {
  const cause = (error as { cause?: { code?: string; message?: string } })?.cause;
  const message = cause?.message ?? (error as Error)?.message ?? String(error);
  return printable(cause?.code && !message.includes(cause.code) ? `${cause.code}: ${message}` : message, 300);
}
