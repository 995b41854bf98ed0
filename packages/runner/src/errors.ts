/**
 * What the protocol client throws. Every failure of a call is a {@link RunnerProtocolError} with a
 * stable `code`: the server's error code (`LEASE_LOST`, `UNAUTHORIZED`, ...), or one of the client's
 * own when there was no usable answer: `NETWORK_ERROR`, `TIMEOUT`, `RESPONSE_INVALID`,
 * `SOURCE_INVALID` (a source download that does not match what the claim announced),
 * `STORE_REFUSED` (the object store refused a presigned upload; `status` is its HTTP status),
 * `PROTOCOL_MISMATCH` (the server speaks another version of the runner protocol: nothing to retry).
 */

/** Codes the client makes up itself; everything else comes from the server's error body. */
export type ClientErrorCode =
  | 'NETWORK_ERROR'
  | 'TIMEOUT'
  | 'RESPONSE_INVALID'
  | 'SOURCE_INVALID'
  | 'STORE_REFUSED'
  | 'PROTOCOL_MISMATCH';

export class RunnerProtocolError extends Error {
  /** HTTP status of the answer; 0 when there was none (network error, timeout). */
  readonly status: number;
  readonly code: string;
  readonly requestId: string | undefined;
  /** From `Retry-After` on 429 and 503, when the server sent one. */
  readonly retryAfterMs: number | undefined;

  constructor(
    code: string,
    message: string,
    init: { status?: number; requestId?: string; retryAfterMs?: number; cause?: unknown } = {},
  ) {
    super(message, init.cause === undefined ? undefined : { cause: init.cause });
    this.name = 'RunnerProtocolError';
    this.code = code;
    this.status = init.status ?? 0;
    this.requestId = init.requestId;
    this.retryAfterMs = init.retryAfterMs;
  }

  /** No answer at all, or the server is unavailable for now: worth another try later. */
  get transient(): boolean {
    if (this.status !== 0) return this.status >= 500;
    return this.code !== 'RESPONSE_INVALID' && this.code !== 'PROTOCOL_MISMATCH';
  }
}

/**
 * A failure an executor reports on purpose, shaped like the server's EngineError (`code`,
 * `retryable`), so the runner treats both alike: the task is failed with this code and message.
 */
export class ExecutorError extends Error {
  readonly code: string;
  readonly retryable: boolean;
  /** For a retryable failure: the earliest retry, in ms (the server's retry policy honours it). */
  readonly retryAfterMs: number | undefined;

  constructor(
    code: string,
    message: string,
    options: { retryable?: boolean; retryAfterMs?: number; cause?: unknown } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'ExecutorError';
    this.code = code;
    this.retryable = options.retryable ?? false;
    this.retryAfterMs = options.retryAfterMs;
  }
}
