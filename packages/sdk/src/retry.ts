/** Backoff arithmetic and `Retry-After` parsing, shared by request retries and task polling. */

/** Statuses worth another try: the request may succeed later unchanged. */
export function isRetryableStatus(status: number): boolean {
  return status === 408 || status === 429 || status >= 500;
}

/**
 * `Retry-After` in milliseconds: delta-seconds (`"2"`, `"0.5"` tolerated) or an HTTP date.
 * Undefined when absent or unreadable.
 */
export function parseRetryAfter(headers: Headers, now = Date.now()): number | undefined {
  const value = headers.get('retry-after')?.trim();
  if (!value) return undefined;
  if (/^\d+(\.\d+)?$/.test(value)) return Math.round(Number(value) * 1000);
  // An HTTP date always has a month or weekday name; without one, Date.parse would read "-1" as 2001.
  if (!/[A-Za-z]/.test(value)) return undefined;
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/**
 * Exponential backoff with "equal jitter": half the step is fixed, half random, so many clients
 * that failed together spread out while each still waits a predictable minimum.
 */
export function backoffDelay(attempt: number, baseMs: number, maxMs: number, random = Math.random): number {
  const step = Math.min(maxMs, baseMs * 2 ** attempt);
  return step / 2 + random() * (step / 2);
}

/** ±20 % around `ms`: keeps polling clients from marching in lock-step. */
export function jitter(ms: number, random = Math.random): number {
  return ms * (0.8 + 0.4 * random());
}
