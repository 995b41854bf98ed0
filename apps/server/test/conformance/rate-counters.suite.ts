/** RateCounters conformance: fixed windows per key and bucket, refusals that cost nothing, atomic counts. */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { RateCounters } from '../../src/ports/rate-counters.ts';
import { T0 } from './fixtures.ts';

export interface RateCountersFixture {
  /** Two handles on one database: as two replicas of a fleet (or one twice, where there is one). */
  counters: [RateCounters, RateCounters];
  cleanup(): Promise<void>;
}

const W = 60_000;

export function rateCountersSuite(name: string, factory: () => Promise<RateCountersFixture>): void {
  describe(`RateCounters conformance: ${name}`, () => {
    let fx: RateCountersFixture;
    let counters: RateCounters;
    beforeEach(async () => {
      fx = await factory();
      counters = fx.counters[0];
    });
    afterEach(async () => {
      await fx.cleanup();
    });

    it('counts up to the limit, then answers limit + 1 without counting further', async () => {
      const seen = [];
      for (let i = 0; i < 6; i++) seen.push(await counters.take('k1', 'submit', T0, 3));
      expect(seen).toEqual([1, 2, 3, 4, 4, 4]);
    });

    it('starts again in a later window, and counts a late request in the current one', async () => {
      for (let i = 0; i < 3; i++) await counters.take('k1', 'poll', T0, 3);
      expect(await counters.take('k1', 'poll', T0 + W, 3)).toBe(1);
      // Stamped with the previous window (a replica that read the clock just before the boundary).
      expect(await counters.take('k1', 'poll', T0, 3)).toBe(2);
      expect(await counters.take('k1', 'poll', T0 + W, 3)).toBe(3);
    });

    it('keeps keys and buckets apart', async () => {
      await counters.take('k1', 'submit', T0, 1);
      expect(await counters.take('k1', 'submit', T0, 1)).toBe(2);
      expect(await counters.take('k1', 'poll', T0, 1)).toBe(1);
      expect(await counters.take('k2', 'submit', T0, 1)).toBe(1);
    });

    it('follows a lowered limit at once; the counter is clamped to it, so raising it again admits from there', async () => {
      for (let i = 0; i < 5; i++) await counters.take('k1', 'submit', T0, 10);
      expect(await counters.take('k1', 'submit', T0, 2)).toBe(3);
      expect(await counters.take('k1', 'submit', T0, 10)).toBe(4);
    });

    it('admits exactly the limit among 50 concurrent requests over two handles', async () => {
      const counts = await Promise.all(
        Array.from({ length: 50 }, (_, i) => fx.counters[i % 2]!.take('k1', 'submit', T0, 20)),
      );
      expect(counts.filter((n) => n <= 20).sort((a, b) => a - b)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
      expect(counts.filter((n) => n > 20)).toEqual(Array(30).fill(21));
    });
  });
}
