/** The limits that apply to a key: its own where it has them, the server's defaults otherwise. */
import type { AccessKeyRecord, RateLimit } from '../../ports/access-store.ts';
import type { RateBucket } from '../../ports/rate-counters.ts';

export interface DefaultKeyLimits {
  rate: RateLimit;
  pollRate: RateLimit;
  concurrency: number;
}

/** The rate of `bucket` for `key`, or null when it is unlimited. */
export function rateFor(key: AccessKeyRecord, bucket: RateBucket, defaults: DefaultKeyLimits): RateLimit | null {
  const rate = bucket === 'poll' ? (key.limits.pollRate ?? defaults.pollRate) : (key.limits.rate ?? defaults.rate);
  return rate.count === 0 ? null : rate;
}
