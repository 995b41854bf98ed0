/**
 * The server's retry policy (house rule 7): exponential backoff with jitter, a cap, and an engine's
 * own "retry after" respected. Deterministic failures are never retried.
 */
export interface RetryPolicyOptions {
  baseMs: number;
  maxMs: number;
  /** [0, 1): draws the jitter; injectable so tests are exact. */
  random?: () => number;
}

export type RetryDecision = { retry: true; delayMs: number } | { retry: false };

export function createRetryPolicy(options: RetryPolicyOptions) {
  const random = options.random ?? Math.random;
  return {
    /** `attempt` is the attempt that just failed (1-based). */
    decide(
      attempt: number,
      maxAttempts: number,
      failure: { retryable: boolean; retryAfterMs?: number },
    ): RetryDecision {
      if (!failure.retryable || attempt >= maxAttempts) return { retry: false };
      const exponential = Math.min(options.maxMs, options.baseMs * 2 ** (attempt - 1));
      // Full jitter on the upper half: spreads retries of tasks that failed together.
      const delay = exponential / 2 + (random() * exponential) / 2;
      return { retry: true, delayMs: Math.round(Math.max(delay, failure.retryAfterMs ?? 0)) };
    },
  };
}

export type RetryPolicy = ReturnType<typeof createRetryPolicy>;
