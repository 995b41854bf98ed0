/**
 * One error class per family of failure. Every error the SDK throws is an {@link APIError}, except
 * when the caller's own AbortSignal fires: then the promise rejects with `signal.reason`, as
 * `fetch` does, so callers can tell "I stopped it" from "it failed".
 */
import type { ErrorDetail, Task } from './contract-types.ts';

/** Fields shared by every SDK error, set from the HTTP response when there was one. */
export interface APIErrorInit {
  /** HTTP status of the response, or undefined when there was no response. */
  status?: number;
  /** Request id from the error body or the `X-Request-Id` header. */
  requestId?: string;
  /** Field-level problems reported by the server (INVALID_PARAMETER). */
  details?: ErrorDetail[];
  /** Response headers, when there was a response. */
  headers?: Headers;
  /** The underlying error, e.g. the network failure. */
  cause?: unknown;
}

/** Base class of every error the SDK throws. */
export class APIError extends Error {
  /** HTTP status, or undefined when no response was received (network error, timeout, task failure). */
  readonly status: number | undefined;
  /**
   * Stable error code: an API error code such as `TASK_NOT_FOUND`, a task error code such as
   * `SOURCE_FETCH_FAILED` (for {@link TaskFailedError}), or one of the SDK's own:
   * `CONNECTION_ERROR`, `INVALID_RESPONSE`, `WAIT_TIMEOUT`, `MEDIA_NOT_READY`.
   */
  readonly code: string;
  /** The server's request id; quote it when reporting a problem. */
  readonly requestId: string | undefined;
  /** Field-level details, empty unless the server sent some. */
  readonly details: ErrorDetail[];
  /** Response headers, when there was a response. */
  readonly headers: Headers | undefined;

  /** @param code - stable error code; @param message - human-readable description. */
  constructor(code: string, message: string, init: APIErrorInit = {}) {
    super(message, init.cause === undefined ? undefined : { cause: init.cause });
    this.name = new.target.name;
    this.code = code;
    this.status = init.status;
    this.requestId = init.requestId;
    this.details = init.details ?? [];
    this.headers = init.headers;
  }
}

/** 400, 413, 415: the request was rejected before any task was created; `fields` names the culprits. */
export class InvalidRequestError extends APIError {
  /** Dotted paths of the offending fields, e.g. `settings.duration`. */
  get fields(): string[] {
    return this.details.map((d) => d.path).filter((p) => p !== '');
  }
}

/** 401: the access key is missing, unknown or revoked. */
export class AuthenticationError extends APIError {}

/** 404: unknown task, unknown endpoint, or an endpoint this key may not use (the API does not say which). */
export class NotFoundError extends APIError {}

/** 409: the request conflicts with the current state (task already finished, Idempotency-Key reused). */
export class ConflictError extends APIError {}

/** 429: rate or concurrency limit; `retryAfterMs` says when to try again, if the server said so. */
export class RateLimitError extends APIError {
  /** Milliseconds to wait before retrying, from `Retry-After`; undefined if the server sent none. */
  readonly retryAfterMs: number | undefined;
  /** @param retryAfterMs - the parsed `Retry-After`, if any. */
  constructor(code: string, message: string, init: APIErrorInit & { retryAfterMs?: number } = {}) {
    super(code, message, init);
    this.retryAfterMs = init.retryAfterMs;
  }
}

/** 5xx: the server failed or is overloaded; retried automatically before this is thrown. */
export class ServerError extends APIError {}

/** No response at all: DNS, connection refused or reset, or the per-request timeout. Retried first. */
export class ConnectionError extends APIError {}

/**
 * The result is not downloadable: the task has not succeeded (`MEDIA_NOT_READY`) or its result is
 * past retention (410 `MEDIA_GONE`).
 */
export class MediaUnavailableError extends APIError {}

/** The task ended with status FAIL; `code` is the task's error code (e.g. `SOURCE_FETCH_FAILED`). */
export class TaskFailedError extends APIError {
  /** The id of the failed task. */
  readonly taskId: string;
  /** The failed task as last read from the server. */
  readonly task: Task;
  /** @param task - a task with status FAIL. */
  constructor(task: Task, init: APIErrorInit = {}) {
    const code = task.error?.code ?? 'ENGINE_FAILED';
    super(code, `Task ${task.taskId} failed: ${task.error?.message ?? 'no reason given'}`, init);
    this.taskId = task.taskId;
    this.task = task;
  }
}

/**
 * The wait's deadline passed. The task itself keeps running on the server: resume with
 * `waitForTask(error.taskId)`. When the deadline passed during the submit itself, `taskId` is
 * undefined and resubmitting with the same `idempotencyKey` returns the same task, never a second one.
 */
export class TimeoutError extends APIError {
  /** The task being waited for, or undefined if the submit did not complete in time. */
  readonly taskId: string | undefined;
  /** The last state read before the deadline, if any. */
  readonly lastTask: Task | undefined;
  /** The Idempotency-Key of the submit, for `*AndWait` calls. */
  readonly idempotencyKey: string | undefined;
  /** @param message - what timed out; @param info - what the caller needs to resume. */
  constructor(message: string, info: { taskId?: string; lastTask?: Task; idempotencyKey?: string; cause?: unknown }) {
    super('WAIT_TIMEOUT', message, { cause: info.cause });
    this.taskId = info.taskId;
    this.lastTask = info.lastTask;
    this.idempotencyKey = info.idempotencyKey;
  }
}
