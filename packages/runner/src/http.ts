/**
 * The HTTP details of the protocol client: bounded reading of answers (a hostile or broken server
 * must not make the runner buffer without limit), error bodies turned into RunnerProtocolErrors,
 * backoff and abortable sleeps.
 */
import { RunnerProtocolError } from './errors.ts';

/** Fallback codes for error answers that are not the API's error shape (a proxy's HTML page, an empty 502). */
const FALLBACK_CODES: Record<number, string> = {
  400: 'INVALID_REQUEST',
  401: 'UNAUTHORIZED',
  403: 'FORBIDDEN',
  404: 'NOT_FOUND',
  409: 'CONFLICT',
  413: 'PAYLOAD_TOO_LARGE',
  415: 'UNSUPPORTED_MEDIA_TYPE',
  422: 'OUTPUT_INVALID',
  429: 'RATE_LIMITED',
  503: 'SERVICE_UNAVAILABLE',
};

const CODE_PATTERN = /^[A-Z][A-Z0-9_]{0,63}$/;
const MESSAGE_MAX = 500;

/**
 * Text from the server that ends up in the runner's log lines: control characters (a forged log
 * line, terminal escapes) become spaces and the length is capped.
 */
export function printable(text: string, max = MESSAGE_MAX): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: removing them is the point
  const clean = text.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]+/g, ' ').trim();
  return clean.length > max ? `${clean.slice(0, max)}…` : clean;
}

/** Reads at most `max` bytes of a body; more is an error (and the rest is not downloaded). */
export async function readBounded(response: Response, max: number): Promise<string> {
  const declared = Number(response.headers.get('content-length'));
  if (Number.isFinite(declared) && declared > max) {
    await response.body?.cancel().catch(() => {});
    throw tooLarge(response.status, max);
  }
  if (!response.body) return '';
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > max) {
      await reader.cancel().catch(() => {});
      throw tooLarge(response.status, max);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString('utf8');
}

const tooLarge = (status: number, max: number) =>
  new RunnerProtocolError('RESPONSE_INVALID', `the server's answer is larger than ${max} bytes`, { status });

/** `Retry-After` as delta-seconds, in ms; dates and garbage are ignored. Capped at 5 minutes. */
export function parseRetryAfter(headers: Headers): number | undefined {
  const value = headers.get('retry-after')?.trim();
  if (!value || !/^\d+(\.\d+)?$/.test(value)) return undefined;
  return Math.min(300_000, Math.round(Number(value) * 1000));
}

/** The error for a non-2xx answer whose (bounded) body text was read. */
export function errorFromAnswer(response: Response, text: string): RunnerProtocolError {
  const { status, headers } = response;
  let body: { code?: unknown; message?: unknown; requestId?: unknown } | undefined;
  try {
    const parsed = JSON.parse(text) as { error?: typeof body } | null;
    if (parsed && typeof parsed === 'object' && parsed.error && typeof parsed.error === 'object') body = parsed.error;
  } catch {}
  const code =
    typeof body?.code === 'string' && CODE_PATTERN.test(body.code)
      ? body.code
      : (FALLBACK_CODES[status] ?? (status >= 500 ? 'INTERNAL_ERROR' : `HTTP_${status}`));
  const snippet = printable(text, 200);
  const message =
    typeof body?.message === 'string' && body.message.trim() !== ''
      ? printable(body.message)
      : `HTTP ${status}${snippet ? `: ${snippet}` : ''}`;
  const requestId = typeof body?.requestId === 'string' ? printable(body.requestId, 64) : undefined;
  return new RunnerProtocolError(code, message, {
    status,
    requestId: requestId ?? headers.get('x-request-id') ?? undefined,
    retryAfterMs: status === 429 || status === 503 ? parseRetryAfter(headers) : undefined,
  });
}

/**
 * Exponential backoff with "equal jitter": half the step fixed, half random, so runners that lost
 * the server together do not come back in lock-step.
 */
export function backoffDelay(attempt: number, baseMs: number, maxMs: number): number {
  const step = Math.min(maxMs, baseMs * 2 ** attempt);
  return step / 2 + Math.random() * (step / 2);
}

/** Waits `ms`; rejects with the signal's reason as soon as it aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal!.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
