import type { Clock } from '../../src/ports/clock.ts';

/** Real time plus an offset that tests move forward to expire URLs, leases and retention. */
export function shiftableClock(): Clock & { advance(ms: number): void } {
  let offset = 0;
  return {
    now: () => Date.now() + offset,
    advance(ms) {
      offset += ms;
    },
  };
}
