/** Option bags of the client and its methods. */
import type { Task, TaskStatus } from './contract-types.ts';

/** Settings of a {@link Vidforge} client. */
export interface VidforgeOptions {
  /**
   * The API's basePath, ending in `/v1/ai`: `http://localhost:8080/v1/ai` for a local server, or
   * the hosted original's (`https://genaiapi.cloudsway.net/v1/ai`). A trailing slash is ignored.
   * Default: `VIDFORGE_BASE_URL` from the environment.
   */
  baseUrl?: string;
  /**
   * The endpointPath issued with the key (one random path segment, e.g. `LPUqHEAjfonOmohV`).
   * Default: `VIDFORGE_ENDPOINT`.
   */
  endpointPath?: string;
  /**
   * The secret access key, sent as `Authorization: Bearer …` to the API only (never to media URLs).
   * Default: `VIDFORGE_ACCESS_KEY`.
   */
  accessKey?: string;
  /** A `fetch` implementation; defaults to the global one. */
  fetch?: typeof fetch;
  /** Limit for one HTTP attempt until its response (headers and JSON body) arrives. Default 60 000. */
  timeoutMs?: number;
  /** Retries after network errors, timeouts, 408, 429 and 5xx. Default 2 (three attempts). */
  maxRetries?: number;
  /** First backoff step between retries; doubles per retry, with jitter. Default 500. */
  retryBaseMs?: number;
  /** Largest backoff step. Default 8 000. */
  retryMaxMs?: number;
  /**
   * A `Retry-After` longer than this is not waited out; the error is thrown instead
   * (e.g. {@link RateLimitError} with `retryAfterMs`). Default 60 000.
   */
  maxRetryAfterMs?: number;
}

/** Options of a single API call. */
export interface RequestOptions {
  /** Aborts the call, including retries and the pauses between them; rejects with `signal.reason`. */
  signal?: AbortSignal;
  /** Overrides the client's per-attempt `timeoutMs`. */
  timeoutMs?: number;
  /** Overrides the client's `maxRetries`. */
  maxRetries?: number;
}

/** Options of `generate`, `upscale` and `extend`. */
export interface SubmitOptions extends RequestOptions {
  /**
   * Sent as `Idempotency-Key`: the same key with the same body returns the same task for 24 h.
   * Generated per call when omitted, so the SDK's own retries never create a second task; pass
   * your own (and store it) to make retries across process restarts safe too.
   */
  idempotencyKey?: string;
}

/** Options of `waitForTask` and the `*AndWait` methods. */
export interface WaitOptions {
  /** Stops waiting (the task keeps running on the server); rejects with `signal.reason`. */
  signal?: AbortSignal;
  /**
   * Overall deadline in ms, covering every request in flight and every pause (and, for the
   * `*AndWait` methods, the submit). Default 1 800 000 (30 minutes); `Infinity` waits without limit.
   */
  timeoutMs?: number;
  /**
   * Called with the task whenever its status, progress or `queue` (place in line, runners online)
   * changed, the first time included.
   */
  onProgress?: (task: Task) => void;
  /**
   * Follow the task over the server's live-progress stream (Server-Sent Events) when it offers
   * one, falling back to polling when it does not (the hosted original) or the stream breaks.
   * Default true; false always polls.
   */
  stream?: boolean;
  /** First pause between polls. Default 1 000. */
  pollIntervalMs?: number;
  /** Polls back off (×1.5 each) up to this pause. Default 5 000. */
  maxPollIntervalMs?: number;
}

/**
 * Options of `generateAndWait`, `upscaleAndWait` and `extendAndWait`. Here `timeoutMs` is the
 * overall deadline of submit and wait together.
 */
export interface SubmitAndWaitOptions extends WaitOptions {
  /** As in {@link SubmitOptions.idempotencyKey}; kept on a {@link TimeoutError} during the submit. */
  idempotencyKey?: string;
  /** Overrides the client's `maxRetries` for each request. */
  maxRetries?: number;
}

/** Query of {@link Vidforge.listTasks}. */
export interface ListTasksParams {
  /** Only tasks with this status. */
  status?: TaskStatus;
  /** Page size, 1..100 (server default 20). */
  limit?: number;
  /** Start after this cursor (a `nextCursor` from an earlier page). */
  cursor?: string;
}
