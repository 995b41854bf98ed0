/** Turning an HTTP error response into the matching typed error. */
import type { ErrorBody, ErrorDetail } from './contract-types.ts';
import {
  APIError,
  type APIErrorInit,
  AuthenticationError,
  ConflictError,
  InvalidRequestError,
  MediaUnavailableError,
  NotFoundError,
  RateLimitError,
  ServerError,
} from './errors.ts';
import { parseRetryAfter } from './retry.ts';

/** Codes used when the body is not our error shape (a proxy's HTML page, an empty 502...). */
const FALLBACK_CODES: Record<number, string> = {
  400: 'INVALID_REQUEST',
  401: 'UNAUTHORIZED',
  403: 'FORBIDDEN',
  404: 'NOT_FOUND',
  409: 'CONFLICT',
  410: 'MEDIA_GONE',
  413: 'PAYLOAD_TOO_LARGE',
  415: 'UNSUPPORTED_MEDIA_TYPE',
  429: 'RATE_LIMITED',
  503: 'SERVICE_UNAVAILABLE',
};

function errorBodyOf(text: string): ErrorBody['error'] | undefined {
  try {
    const parsed = JSON.parse(text) as Partial<ErrorBody> | null;
    const error = parsed?.error;
    if (error && typeof error.code === 'string' && typeof error.message === 'string') return error;
  } catch {}
  return undefined;
}

/** Builds the typed error for a non-2xx response whose body text was already read. */
export function errorFromResponse(response: Response, text: string): APIError {
  const { status, headers } = response;
  const body = errorBodyOf(text);
  const code = body?.code ?? FALLBACK_CODES[status] ?? (status >= 500 ? 'INTERNAL_ERROR' : `HTTP_${status}`);
  const snippet = text.trim().slice(0, 200);
  const message = body?.message ?? `HTTP ${status}${snippet ? `: ${snippet}` : ''}`;
  const details: ErrorDetail[] = Array.isArray(body?.details) ? body.details : [];
  const init: APIErrorInit = {
    status,
    headers,
    details,
    requestId: body?.requestId ?? headers.get('x-request-id') ?? undefined,
  };
  if (status === 401) return new AuthenticationError(code, message, init);
  if (status === 404) return new NotFoundError(code, message, init);
  if (status === 409) return new ConflictError(code, message, init);
  if (status === 410) return new MediaUnavailableError(code, message, init);
  if (status === 429) return new RateLimitError(code, message, { ...init, retryAfterMs: parseRetryAfter(headers) });
  if (status === 400 || status === 413 || status === 415 || status === 422) {
    return new InvalidRequestError(code, message, init);
  }
  if (status >= 500) return new ServerError(code, message, init);
  return new APIError(code, message, init);
}
