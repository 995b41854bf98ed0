/**
 * Per-key request budgets (docs/limits.md): a fixed window per key and bucket, counted in the
 * database (RateCounters), so every replica spends from one budget. Each limited answer carries
 * the RateLimit-Policy and RateLimit fields of draft-ietf-httpapi-ratelimit-headers-11, e.g.
 * `RateLimit-Policy: "poll";q=600;w=60` and `RateLimit: "poll";r=599;t=42`; past the budget, 429
 * RATE_LIMITED with Retry-After, before the body is read, so nothing is written.
 */
import type { FastifyReply } from 'fastify';
import { ApiError } from '../../http/api-error.ts';
import type { AccessKeyRecord } from '../../ports/access-store.ts';
import type { Clock } from '../../ports/clock.ts';
import type { RateBucket, RateCounters } from '../../ports/rate-counters.ts';
import { type DefaultKeyLimits, rateFor } from './key-limits.ts';

export interface RateLimiter {
  /** Counts the request; sets the headers on `reply`; throws RATE_LIMITED past the budget. */
  admit(key: AccessKeyRecord, bucket: RateBucket, reply: FastifyReply): Promise<void>;
}

/** Reads that spend the poll budget; every other method spends the submit budget. */
export function bucketOf(method: string): RateBucket {
  return method === 'GET' || method === 'HEAD' ? 'poll' : 'submit';
}

/** Spent budgets remembered per process at most; past it the oldest are forgotten (a write each then). */
const MAX_REMEMBERED = 10_000;

/**
 * Budgets known to be spent in their current window, by key, bucket, window and quota (a changed
 * quota is another entry, so raising a key's limit takes effect at once). Bounded: entries past
 * their window are dropped when the map is full, then the oldest.
 */
function createSpentBudgets(max: number) {
  const until = new Map<string, number>();
  return {
    has: (memo: string) => until.has(memo),
    add(memo: string, windowEnd: number, now: number) {
      if (until.size >= max) {
        for (const [entry, end] of until) if (end <= now) until.delete(entry);
        while (until.size >= max) until.delete(until.keys().next().value as string);
      }
      until.set(memo, windowEnd);
    },
  };
}

export function createRateLimiter(deps: {
  counters: RateCounters;
  clock: Clock;
  defaults: DefaultKeyLimits;
  /** Spent budgets remembered (tests); default 10,000. */
  maxRemembered?: number;
}): RateLimiter {
  const { counters, clock, defaults } = deps;
  const spent = createSpentBudgets(deps.maxRemembered ?? MAX_REMEMBERED);
  return {
    async admit(key, bucket, reply) {
      const rate = rateFor(key, bucket, defaults);
      // Unlimited: no write, no header (there is no quota to advertise).
      if (!rate) return;
      const windowMs = rate.windowSeconds * 1000;
      const now = clock.now();
      // Windows are aligned to the epoch, so every replica computes the same one from the
      // (database's, in a fleet) clock without asking anyone.
      const windowStart = Math.floor(now / windowMs) * windowMs;
      const memo = `${key.id}\n${bucket}\n${windowStart}\n${rate.count}`;
      // A budget seen spent stays spent until its window ends (counts never go down within a
      // window), so a client hammering past its limit is refused without a database write.
      const count = spent.has(memo) ? rate.count + 1 : await counters.take(key.id, bucket, windowStart, rate.count);
      if (count > rate.count) spent.add(memo, windowStart + windowMs, now);
      // Whole seconds until the window ends, at least 1: the draft's `t` and Retry-After agree.
      const resetS = Math.max(1, Math.ceil((windowStart + windowMs - now) / 1000));
      reply.header('ratelimit-policy', `"${bucket}";q=${rate.count};w=${rate.windowSeconds}`);
      reply.header('ratelimit', `"${bucket}";r=${Math.max(0, rate.count - count)};t=${resetS}`);
      if (count > rate.count) {
        const what = bucket === 'poll' ? 'read requests' : 'submit and cancel requests';
        throw new ApiError(
          'RATE_LIMITED',
          `This access key may make ${rate.count} ${what} per ${rate.windowSeconds} s; try again in ${resetS} s`,
          { retryAfter: resetS },
        );
      }
    },
  };
}
