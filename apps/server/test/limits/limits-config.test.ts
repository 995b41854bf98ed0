/** VIDFORGE_KEY_RATE, VIDFORGE_KEY_POLL_RATE and VIDFORGE_KEY_CONCURRENCY: defaults and validation. */
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config/load-config.ts';

const load = (env: Record<string, string>) => loadConfig({ env: { VIDFORGE_DATA_DIR: '/nonexistent', ...env } });

function problems(env: Record<string, string>): string[] {
  try {
    load(env);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  return [];
}

describe('key limit settings', () => {
  it('default to unlimited', () => {
    const config = load({});
    expect(config.keyRate.count).toBe(0);
    expect(config.keyPollRate.count).toBe(0);
    expect(config.keyConcurrency).toBe(0);
  });

  it('read rates and a concurrency', () => {
    const config = load({
      VIDFORGE_KEY_RATE: '60/min',
      VIDFORGE_KEY_POLL_RATE: '100/10s',
      VIDFORGE_KEY_CONCURRENCY: '4',
    });
    expect(config.keyRate).toEqual({ count: 60, windowSeconds: 60 });
    expect(config.keyPollRate).toEqual({ count: 100, windowSeconds: 10 });
    expect(config.keyConcurrency).toBe(4);
  });

  it('report every bad value at once, by name', () => {
    const found = problems({
      VIDFORGE_KEY_RATE: '60 per minute',
      VIDFORGE_KEY_POLL_RATE: '10/week',
      VIDFORGE_KEY_CONCURRENCY: '-1',
    });
    expect(found).toHaveLength(3);
    expect(found[0]).toMatch(/keyRate \(VIDFORGE_KEY_RATE\): "60 per minute" is not a rate/);
    expect(found[1]).toMatch(/keyPollRate \(VIDFORGE_KEY_POLL_RATE\): .*unknown unit/);
    expect(found[2]).toMatch(/keyConcurrency \(VIDFORGE_KEY_CONCURRENCY\)/);
  });

  it('refuses a concurrency that is not a whole number, or too large', () => {
    expect(problems({ VIDFORGE_KEY_CONCURRENCY: 'four' })[0]).toMatch(/VIDFORGE_KEY_CONCURRENCY: expected an integer/);
    expect(problems({ VIDFORGE_KEY_CONCURRENCY: '1000000' })[0]).toMatch(/keyConcurrency/);
  });

  it('refuses an oversized rate without echoing it whole', () => {
    const [problem] = problems({ VIDFORGE_KEY_RATE: '9'.repeat(10_000) });
    expect(problem).toMatch(/too long/);
    expect(problem!.length).toBeLessThan(300);
  });
});
