/**
 * One HTTP call to the upstream, and what its failure means for the task (house rule 7: the
 * server's retry policy decides; this only says retryable or not, and after how long):
 *
 * - unreachable, timed out, 408, 429, 5xx: retryable ENGINE_UNAVAILABLE, `Retry-After` honoured;
 * - 401, 403: ENGINE_UNAVAILABLE, not retryable (the endpoint's credential is wrong);
 * - any other 4xx: ENGINE_FAILED, not retryable, with the upstream's own message.
 *
 * The base URL comes from the operator's endpoint settings, not from a caller, so these calls do
 * not go through the SSRF guard; the result download does (upstream-engine.ts). No message made
 * here contains the credential.
 */
import { EngineError } from '../engine.ts';
import type { UpstreamSettings } from './upstream-settings.ts';

export interface UpstreamResponse {
  status: number;
  body: unknown;
}

/** An upstream answer other than 2xx, kept for callers that treat some statuses specially (404, 409). */
export class UpstreamHttpError extends EngineError {
  readonly status: number;
  readonly upstreamCode: string | undefined;

  constructor(status: number, upstreamCode: string | undefined, error: EngineError) {
    super(error.code, error.message, { retryable: error.retryable, retryAfterMs: error.retryAfterMs });
    this.status = status;
    this.upstreamCode = upstreamCode;
  }
}

/** Retry-After as delay-seconds or an HTTP date; undefined when absent or unreadable. */
export function retryAfterMs(header: string | null, now = Date.now()): number | undefined {
  if (header === null) return undefined;
  if (/^\d+$/.test(header.trim())) return Number(header.trim()) * 1000;
  const at = Date.parse(header);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/** `{error: {code, message}}` (both API shapes), a bare `{message}`, or a short text body. */
function upstreamErrorOf(body: unknown): { code?: string; message?: string } {
  if (typeof body === 'string') return { message: body.slice(0, 300) || undefined };
  if (!body || typeof body !== 'object') return {};
  const error = (body as { error?: unknown }).error;
  const source = (error && typeof error === 'object' ? error : body) as { code?: unknown; message?: unknown };
  return {
    code: typeof source.code === 'string' ? source.code : undefined,
    message: typeof source.message === 'string' ? source.message.slice(0, 1000) : undefined,
  };
}

export function failureOfStatus(
  status: number,
  body: unknown,
  retryAfter: string | null,
  what: string,
): UpstreamHttpError {
  const { code, message } = upstreamErrorOf(body);
  const said = `HTTP ${status}${code ? ` ${code}` : ''}${message ? `: ${message}` : ''}`;
  let error: EngineError;
  if (status === 408 || status === 429 || status >= 500) {
    error = new EngineError('ENGINE_UNAVAILABLE', `the upstream is unavailable (${what}: ${said})`, {
      retryable: true,
      retryAfterMs: retryAfterMs(retryAfter),
    });
  } else if (status === 401 || status === 403) {
    error = new EngineError('ENGINE_UNAVAILABLE', `the upstream refused this endpoint's credential (${what}: ${said})`);
  } else {
    error = new EngineError('ENGINE_FAILED', `the upstream refused the task (${what}: ${said})`);
  }
  return new UpstreamHttpError(status, code, error);
}

export interface CallOptions {
  method: 'GET' | 'POST' | 'DELETE';
  /** A JSON value, FormData, or raw bytes. */
  body?: unknown;
  contentType?: string;
  headers?: Record<string, string>;
  /** What the call is for, in messages: "submit", "poll", "cancel", "upload". */
  what: string;
  signal: AbortSignal;
}

export function createUpstreamHttp(settings: UpstreamSettings) {
  const auth: Record<string, string> = settings.credential ? { authorization: `Bearer ${settings.credential}` } : {};
  return {
    authHeaders: auth,
    async call(path: string, options: CallOptions): Promise<UpstreamResponse> {
      const headers: Record<string, string> = { accept: 'application/json', ...auth, ...options.headers };
      let body: BodyInit | undefined;
      if (options.body instanceof FormData || options.body instanceof Blob) body = options.body;
      else if (options.body !== undefined) {
        body = JSON.stringify(options.body);
        headers['content-type'] = 'application/json';
      }
      if (options.contentType) headers['content-type'] = options.contentType;
      const timeout = AbortSignal.timeout(settings.requestTimeoutMs);
      let response: Response;
      try {
        response = await fetch(`${settings.baseUrl}${path}`, {
          method: options.method,
          headers,
          body,
          signal: AbortSignal.any([options.signal, timeout]),
          redirect: 'error',
        });
      } catch (error) {
        if (options.signal.aborted) throw options.signal.reason;
        const cause = (error as { cause?: { code?: string; message?: string } }).cause;
        const reason = timeout.aborted
          ? `no answer within ${settings.requestTimeoutMs} ms`
          : (cause?.code ?? cause?.message ?? (error as Error).message);
        throw new EngineError('ENGINE_UNAVAILABLE', `the upstream is unreachable (${options.what}: ${reason})`, {
          retryable: true,
        });
      }
      const text = await response.text().catch(() => '');
      let parsed: unknown = text;
      try {
        parsed = text === '' ? null : JSON.parse(text);
      } catch {}
      if (response.status < 200 || response.status > 299) {
        throw failureOfStatus(response.status, parsed, response.headers.get('retry-after'), options.what);
      }
      return { status: response.status, body: parsed };
    },
  };
}

export type UpstreamHttp = ReturnType<typeof createUpstreamHttp>;
