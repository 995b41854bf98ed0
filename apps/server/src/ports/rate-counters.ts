/**
 * Request counters shared by every process that serves the API (docs/limits.md): in a fleet they
 * live in the database, so a key's budget holds however many replicas its requests reach.
 */
export type RateBucket = 'submit' | 'poll';

export interface RateCounters {
  /**
   * Counts one request of `keyId` in `bucket` for the fixed window that began at `windowStart`
   * (a counter of an earlier window starts again at 0) unless `limit` requests were already
   * admitted in it. Returns the count after: at most `limit` means admitted; `limit + 1` means
   * refused, and the counter stays there, so refused requests cost no budget and a hammering
   * client cannot push its counter past `limit + 1`. One atomic write, whatever the concurrency.
   */
  take(keyId: string, bucket: RateBucket, windowStart: number, limit: number): Promise<number>;
}
