/** The limit flags of `vidforge keys create|update`, parsed before anything is opened. */
import { describe, expect, it } from 'vitest';
import { limitsFromFlags } from '../src/commands/admin.ts';

describe('limitsFromFlags', () => {
  it('sets only the limits given; default clears one back to the server setting', () => {
    expect(limitsFromFlags({})).toEqual({});
    expect(limitsFromFlags({ rate: '60/min', 'poll-rate': 'default', concurrency: 'unlimited' })).toEqual({
      rate: { count: 60, windowSeconds: 60 },
      pollRate: null,
      concurrency: 0,
    });
  });

  it.each([
    [{ rate: '60' }, /--rate: "60" is not a rate; expected COUNT\/WINDOW/],
    [{ rate: '60/week' }, /--rate: .*unknown unit "week"/],
    [{ 'poll-rate': '-5/s' }, /--poll-rate: "-5\/s" is not a rate/],
    [{ rate: `1/s${'x'.repeat(50_000)}` }, /--rate: .*too long/],
    [{ concurrency: '2.5' }, /--concurrency: "2.5" is not a concurrency/],
    [{ concurrency: '-1' }, /--concurrency: .*not a concurrency/],
  ])('refuses %j', (flags, message) => {
    expect(() => limitsFromFlags(flags)).toThrow(message);
  });
});
