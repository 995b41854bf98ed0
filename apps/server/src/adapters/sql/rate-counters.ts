/**
 * RateCounters in SQL: one upsert per counted request, the same statement on SQLite and
 * PostgreSQL. The row of (key, bucket) is its lock: concurrent requests of one key on any replica
 * take turns on it for the length of one statement, and requests of different keys never meet.
 */
import { sql } from 'kysely';
import type { RateBucket, RateCounters } from '../../ports/rate-counters.ts';
import { arg, prepare } from './prepared.ts';
import type { SqlHandle } from './sql-handle.ts';

export function createSqlRateCounters(handle: SqlHandle): RateCounters {
  // In SET, column names are the row before the update on both engines. A request stamped with an
  // earlier window than the row's (a replica that read the clock just before the boundary) is
  // counted in the row's window rather than resetting it.
  const limit = arg<number>('limit');
  const take = prepare<{ keyId: string; bucket: RateBucket; windowStart: number; limit: number }, { count: number }>(
    handle.db
      .insertInto('rate_counters')
      .values({ key_id: arg('keyId'), bucket: arg('bucket'), window_start: arg('windowStart'), count: 1 })
      .onConflict((conflict) =>
        conflict.columns(['key_id', 'bucket']).doUpdateSet({
          count: sql<number>`CASE
            WHEN excluded.window_start > rate_counters.window_start THEN 1
            WHEN rate_counters.count < ${limit} THEN rate_counters.count + 1
            ELSE ${limit} + 1 END`,
          window_start: sql<number>`CASE
            WHEN excluded.window_start > rate_counters.window_start THEN excluded.window_start
            ELSE rate_counters.window_start END`,
        }),
      )
      .returning('count'),
  );

  return {
    async take(keyId, bucket, windowStart, max) {
      const row = await take.first(handle, { keyId, bucket, windowStart, limit: max });
      if (!row) throw new Error('rate_counters upsert returned no row');
      return Number(row.count);
    },
  };
}
