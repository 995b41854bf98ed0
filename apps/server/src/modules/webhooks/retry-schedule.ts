/**
 * When a failed delivery is tried again: exponential backoff with jitter, for at least `forMs`.
 * The n-th failed attempt of a round waits a random time in [d/2, d] with d = base · 2^(n-1)
 * capped at maxMs ("equal jitter": receivers coming back from an outage are not hit by every
 * sender at once, and the wait still grows). A round is given up at the first failure after
 * `forMs` from its start, so an attempt is always made past the window's end. With the defaults
 * (10 s base, 2 h cap, 24 h) a receiver down for a day sees about 20 attempts.
 */
export interface RetrySettings {
  baseMs: number;
  maxMs: number;
  forMs: number;
}

export interface RetrySchedule {
  /** When to try again after the `attempts`-th failed attempt of a round that began at `roundStartedAt`; null: give up. */
  next(attempts: number, roundStartedAt: number, now: number): number | null;
}

export function createRetrySchedule(settings: RetrySettings, random: () => number = Math.random): RetrySchedule {
  return {
    next(attempts, roundStartedAt, now) {
      if (now - roundStartedAt >= settings.forMs) return null;
      const exponent = Math.min(Math.max(attempts - 1, 0), 40);
      const ceiling = Math.min(settings.maxMs, settings.baseMs * 2 ** exponent);
      return now + Math.round(ceiling / 2 + (random() * ceiling) / 2);
    },
  };
}
