/**
 * Sends one logical request: attempts with a per-attempt timeout, retries with backoff on network
 * errors, timeouts, 408, 429 and 5xx, honouring `Retry-After`. The caller's signal covers every
 * attempt and every pause between them.
 */
import { APIError, ConnectionError } from './errors.ts';
import { errorFromResponse } from './response-error.ts';
import { backoffDelay, isRetryableStatus, parseRetryAfter } from './retry.ts';
import { linkSignals, sleep } from './signals.ts';

/** Settings of the transport, fixed per client. */
export interface TransportSettings {
  baseUrl: string;
  endpointPath: string;
  accessKey: string;
  fetch: typeof fetch;
  timeoutMs: number;
  maxRetries: number;
  retryBaseMs: number;
  retryMaxMs: number;
  /** A `Retry-After` longer than this is not waited out: the error is thrown for the caller to decide. */
  maxRetryAfterMs: number;
}

/** One logical request. */
export interface Call {
  method: 'GET' | 'POST' | 'DELETE';
  /** Path under `{baseUrl}/{endpointPath}`, e.g. `/video/tasks/ID`. */
  path?: string;
  /** An absolute URL instead of `path` (media URLs): sent without the access key. */
  url?: string;
  query?: Record<string, string | undefined>;
  body?: unknown;
  /** Raw bytes instead of a JSON body (uploads). A Blob, so each retry can send it again. */
  file?: Blob;
  idempotencyKey?: string;
  /** More request headers (`Accept`, `Last-Event-ID`); they win over the defaults. */
  headers?: Record<string, string>;
  signal?: AbortSignal;
  timeoutMs?: number;
  maxRetries?: number;
}

/** A parsed JSON response. */
export interface JsonResponse<T> {
  data: T;
  headers: Headers;
  requestId: string | undefined;
}

export class Transport {
  readonly #settings: TransportSettings;

  constructor(settings: TransportSettings) {
    this.#settings = settings;
  }

  /** Sends the call and parses the JSON body of the 2xx response. */
  async json<T>(call: Call): Promise<JsonResponse<T>> {
    return this.#send(call, async (response) => {
      const text = await response.text();
      try {
        return {
          data: JSON.parse(text) as T,
          headers: response.headers,
          requestId: response.headers.get('x-request-id') ?? undefined,
        };
      } catch (cause) {
        throw new APIError('INVALID_RESPONSE', `Expected JSON from ${call.method} ${call.path ?? 'media URL'}`, {
          status: response.status,
          headers: response.headers,
          requestId: response.headers.get('x-request-id') ?? undefined,
          cause,
        });
      }
    });
  }

  /**
   * Sends the call and returns the 2xx response with its body unread. The per-attempt timeout
   * stops once the headers arrive (a large body may take longer); the caller's signal still
   * covers the body, so its one-shot listener stays until that signal aborts or is collected.
   */
  async stream(call: Call): Promise<Response> {
    return this.#send(call, async (response) => response, true);
  }

  #url(call: Call): string {
    const base = call.url ?? `${this.#settings.baseUrl}/${encodeURIComponent(this.#settings.endpointPath)}${call.path}`;
    const params = Object.entries(call.query ?? {}).filter((e): e is [string, string] => e[1] !== undefined);
    if (params.length === 0) return base;
    return `${base}${base.includes('?') ? '&' : '?'}${new URLSearchParams(params)}`;
  }

  #headers(call: Call): Record<string, string> {
    const headers: Record<string, string> = {};
    // Media URLs may live on another host (a CDN, S3): the key goes only to the API itself.
    if (call.url === undefined) {
      headers.authorization = `Bearer ${this.#settings.accessKey}`;
      headers.accept = 'application/json';
    }
    if (call.body !== undefined) headers['content-type'] = 'application/json';
    // The server decides the type from the bytes; the header only says they are not JSON.
    if (call.file !== undefined) headers['content-type'] = call.file.type || 'application/octet-stream';
    if (call.idempotencyKey !== undefined) headers['idempotency-key'] = call.idempotencyKey;
    return { ...headers, ...call.headers };
  }

  async #send<R>(call: Call, read: (response: Response) => Promise<R>, keepBody = false): Promise<R> {
    const settings = this.#settings;
    const maxRetries = call.maxRetries ?? settings.maxRetries;
    const timeoutMs = call.timeoutMs ?? settings.timeoutMs;
    const url = this.#url(call);
    const body = call.file ?? (call.body === undefined ? undefined : JSON.stringify(call.body));
    for (let attempt = 0; ; attempt++) {
      const timer = linkSignals([], timeoutMs);
      const link = linkSignals([call.signal, timer.signal]);
      let failure: APIError;
      let keep = false;
      try {
        const response = await settings.fetch(url, {
          method: call.method,
          headers: this.#headers(call),
          body,
          signal: link.signal,
        });
        if (response.ok) {
          keep = keepBody;
          return await read(response);
        }
        failure = errorFromResponse(response, await response.text());
      } catch (error) {
        if (call.signal?.aborted) throw call.signal.reason;
        if (error instanceof APIError) throw error;
        failure = timer.signal.aborted
          ? new ConnectionError('CONNECTION_ERROR', `No response from ${originOf(url)} within ${timeoutMs} ms`, {
              cause: error,
            })
          : new ConnectionError('CONNECTION_ERROR', `Cannot reach ${originOf(url)}: ${messageOf(error)}`, {
              cause: error,
            });
      } finally {
        timer.dispose();
        if (!keep) link.dispose();
      }
      const retryable = failure.status === undefined || isRetryableStatus(failure.status);
      if (!retryable || attempt >= maxRetries) throw failure;
      // Honoured on 503 as well as 429: both mean "come back later", and the server says when.
      const retryAfterMs = failure.headers ? parseRetryAfter(failure.headers) : undefined;
      if (retryAfterMs !== undefined && retryAfterMs > settings.maxRetryAfterMs) throw failure;
      await sleep(retryAfterMs ?? backoffDelay(attempt, settings.retryBaseMs, settings.retryMaxMs), call.signal);
    }
  }
}

function messageOf(error: unknown): string {
  const cause = (error as { cause?: { code?: string; message?: string } })?.cause;
  const base = error instanceof Error ? error.message : String(error);
  if (cause?.code) return `${base} (${cause.code})`;
  return cause?.message ? `${base}: ${cause.message}` : base;
}

/** The server a request went to, for connection errors: the scheme, host and port, never the path or query. */
function originOf(url: string): string {
  try {
    return new URL(url).origin;
  } catch {
    return url;
  }
}
