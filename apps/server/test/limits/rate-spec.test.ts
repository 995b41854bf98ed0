/** The text form of rates and concurrencies (config and CLI), and the admin service's value checks. */
import { describe, expect, it } from 'vitest';
import { formatRate, limitsProblem, parseConcurrency, parseRate } from '../../src/modules/limits/rate-spec.ts';

describe('parseRate', () => {
  it.each([
    ['60/min', { count: 60, windowSeconds: 60 }],
    ['10/s', { count: 10, windowSeconds: 1 }],
    ['100/10s', { count: 100, windowSeconds: 10 }],
    ['1000/2h', { count: 1000, windowSeconds: 7200 }],
    ['5000/day', { count: 5000, windowSeconds: 86_400 }],
    [' 60/MIN ', { count: 60, windowSeconds: 60 }],
    ['1000000/1d', { count: 1_000_000, windowSeconds: 86_400 }],
  ])('reads %j', (text, rate) => {
    expect(parseRate(text)).toEqual(rate);
    expect(parseRate(formatRate(rate))).toEqual(rate);
  });

  it.each(['0', 'unlimited', '0/min'])('reads %j as unlimited (count 0)', (text) => {
    expect(parseRate(text)).toMatchObject({ count: 0 });
    expect(formatRate(parseRate(text) as never)).toBe('unlimited');
  });

  it.each([
    ['', /not a rate/],
    ['60', /not a rate/],
    ['60/', /not a rate/],
    ['/min', /not a rate/],
    ['-1/min', /not a rate/],
    ['1.5/min', /not a rate/],
    ['60 / min', /not a rate/],
    ['60/min/extra', /not a rate/],
    ['0x10/min', /not a rate/],
    ['60/fortnight', /not a rate|unknown unit/],
    ['60/week', /unknown unit "week"/],
    ['60/0s', /at least 1 second/],
    ['60/2day', /at most a day/],
    ['2000000/min', /at most 1000000/],
    ['60/min\u0000', /not a rate/],
    ['６０/min', /not a rate/],
    ['1e3/min', /not a rate/],
  ])('refuses %j with a clear message', (text, message) => {
    const result = parseRate(text);
    expect(typeof result).toBe('string');
    expect(result).toMatch(message);
  });

  it('does not echo an oversized value back whole', () => {
    const result = parseRate(`60/min${'x'.repeat(100_000)}`);
    expect(result).toMatch(/too long/);
    expect((result as string).length).toBeLessThan(200);
  });
});

describe('parseConcurrency', () => {
  it('reads whole numbers and unlimited', () => {
    expect(parseConcurrency('4')).toBe(4);
    expect(parseConcurrency('0')).toBe(0);
    expect(parseConcurrency('unlimited')).toBe(0);
  });
  it.each(['-1', '1.5', 'four', '', '100001', '9'.repeat(1000)])('refuses %j', (text) => {
    expect(parseConcurrency(text)).toMatch(/not a concurrency/);
  });
});

describe('limitsProblem', () => {
  it('accepts what the parsers make, and null (the default)', () => {
    expect(limitsProblem({ rate: { count: 60, windowSeconds: 60 }, pollRate: null, concurrency: 4 })).toBeNull();
    expect(limitsProblem({})).toBeNull();
  });
  it.each([
    [{ rate: { count: -1, windowSeconds: 60 } }, /rate: the count/],
    [{ pollRate: { count: 1.5, windowSeconds: 60 } }, /pollRate: the count/],
    [{ rate: { count: 1, windowSeconds: 0 } }, /window/],
    [{ rate: { count: 1, windowSeconds: 86_401 } }, /window/],
    [{ rate: { count: Number.NaN, windowSeconds: 60 } }, /count/],
    [{ concurrency: -1 }, /concurrency/],
    [{ concurrency: Number.POSITIVE_INFINITY }, /concurrency/],
  ])('refuses %j', (limits, message) => {
    expect(limitsProblem(limits)).toMatch(message);
  });
});
