/**
 * WorkSignal conformance. `notifier` and `sleeper` are the same signal in the embedded mode and two
 * separate connections (two processes, as far as the signal can tell) in the fleet. Waits use the
 * real clock; the bounds only tell "woken" from "timed out", with wide margins.
 */
import { getEventListeners } from 'node:events';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { WorkSignal } from '../../src/ports/work-signal.ts';

export interface SignalFixture {
  notifier: WorkSignal;
  sleeper: WorkSignal;
  cleanup(): Promise<void>;
}

const ENGINES = ['preview'];

export function workSignalSuite(name: string, factory: () => Promise<SignalFixture>): void {
  describe(`WorkSignal conformance: ${name}`, () => {
    let fx: SignalFixture;
    beforeEach(async () => {
      fx = await factory();
    });
    afterEach(async () => {
      await fx.cleanup();
    });

    const timers = () => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;

    it('wakes on notify, long before the timeout', async () => {
      const started = performance.now();
      const waiting = fx.sleeper.wait(ENGINES, 10_000);
      setTimeout(() => fx.notifier.notify('preview'), 10);
      await waiting;
      expect(performance.now() - started).toBeLessThan(5000);
    });

    it('leaves no timer or abort listener behind after many waits', async () => {
      // Counted over many waits so that timers of the test runner itself cannot mask a leak.
      const baseline = timers();
      const controller = new AbortController();
      for (let i = 0; i < 50; i++) {
        const waiting = fx.sleeper.wait(ENGINES, 60_000, controller.signal);
        await new Promise((r) => setImmediate(r));
        fx.notifier.notify('preview');
        await waiting;
      }
      expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
      expect(timers()).toBeLessThan(baseline + 5);
    });

    it('remembers a notify that found nobody waiting, once', async () => {
      fx.notifier.notify('preview');
      // Across connections the notification takes a moment to arrive; it is then kept.
      await new Promise((r) => setTimeout(r, 200));
      const started = performance.now();
      await fx.sleeper.wait(ENGINES, 10_000);
      expect(performance.now() - started).toBeLessThan(5000);
      // Spent: the next wait sleeps its full time.
      const next = performance.now();
      await fx.sleeper.wait(ENGINES, 30);
      expect(performance.now() - next).toBeGreaterThanOrEqual(25);
    });

    it('returns after the timeout without a notify', async () => {
      const started = performance.now();
      await fx.sleeper.wait(ENGINES, 30);
      expect(performance.now() - started).toBeGreaterThanOrEqual(25);
    });

    it('returns on abort, and at once for a signal already aborted', async () => {
      const baseline = timers();
      const controller = new AbortController();
      const waiting = fx.sleeper.wait(ENGINES, 10_000, controller.signal);
      controller.abort();
      await waiting;
      expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
      await fx.sleeper.wait(ENGINES, 10_000, AbortSignal.abort());
      expect(timers()).toBeLessThanOrEqual(baseline);
    });

    it('wakes the sleepers of the notified engine only, and remembers nothing for others', async () => {
      fx.notifier.notify('another-engine');
      const started = Date.now();
      const waiting = fx.sleeper.wait(ENGINES, 300);
      setTimeout(() => fx.notifier.notify('another-engine'), 10);
      await waiting;
      expect(Date.now() - started).toBeGreaterThanOrEqual(250);
    });

    it('wakes every waiter on one notify', async () => {
      const waits = Array.from({ length: 3 }, () => fx.sleeper.wait(ENGINES, 10_000));
      await new Promise((r) => setTimeout(r, 50));
      fx.notifier.notify('preview');
      await Promise.all(waits);
    });
  });
}
