/** The arithmetic under retries and polling, and the abort plumbing, without a server. */
import { describe, expect, it } from 'vitest';
import { backoffDelay, jitter, parseRetryAfter } from '../src/retry.ts';
import { Elapsed, linkSignals, sleep } from '../src/signals.ts';

describe('Retry-After', () => {
  const at = (value: string) => parseRetryAfter(new Headers({ 'retry-after': value }), 1_000_000);
  it('reads delta-seconds and HTTP dates', () => {
    expect(at('3')).toBe(3000);
    expect(at('0')).toBe(0);
    expect(at('1.5')).toBe(1500);
    expect(at(new Date(1_000_000 + 4000).toUTCString())).toBe(4000);
    expect(at(new Date(1_000_000 - 4000).toUTCString())).toBe(0);
  });
  it('ignores what it cannot read', () => {
    expect(at('soon')).toBeUndefined();
    expect(at('-1')).toBeUndefined();
    expect(parseRetryAfter(new Headers())).toBeUndefined();
  });
});

describe('backoff', () => {
  it('doubles per attempt up to the cap, at least half of each step', () => {
    expect([0, 1, 2, 3].map((n) => backoffDelay(n, 100, 1000, () => 0))).toEqual([50, 100, 200, 400]);
    expect([0, 1, 2, 3, 9].map((n) => backoffDelay(n, 100, 1000, () => 1))).toEqual([100, 200, 400, 800, 1000]);
  });
  it('jitters polling by ±20 %', () => {
    expect(jitter(1000, () => 0)).toBe(800);
    expect(jitter(1000, () => 1)).toBeCloseTo(1200);
  });
});

describe('signals', () => {
  it('a linked signal follows its parents and its own timer', async () => {
    const parent = new AbortController();
    const linked = linkSignals([parent.signal, undefined]);
    parent.abort('why');
    expect(linked.signal.reason).toBe('why');

    const timed = linkSignals([], 10);
    await sleep(30);
    expect(timed.signal.reason).toBeInstanceOf(Elapsed);

    const never = linkSignals([], Number.POSITIVE_INFINITY);
    await sleep(5);
    expect(never.signal.aborted).toBe(false);
    never.dispose();
  });
  it('sleep rejects with the reason as soon as the signal aborts', async () => {
    const controller = new AbortController();
    setTimeout(() => controller.abort('stop'), 10);
    const started = Date.now();
    await expect(sleep(10_000, controller.signal)).rejects.toBe('stop');
    expect(Date.now() - started).toBeLessThan(1000);
  });
});
