/** The embedded WorkSignal: wakes every sleeper of the process, remembers a notify once, ends on abort and close. */
import { describe, expect, it } from 'vitest';
import { LocalWorkSignal } from '../../src/adapters/signal-local/index.ts';

const FOREVER = 120_000;

describe('LocalWorkSignal', () => {
  it('wakes every sleeper, whatever engines it serves', async () => {
    const signal = new LocalWorkSignal();
    const sleepers = [signal.wait(['preview'], FOREVER), signal.wait(['wan'], FOREVER)];
    expect(signal.waiting).toBe(2);
    signal.notify('preview');
    await Promise.all(sleepers);
    expect(signal.waiting).toBe(0);
  });

  it('remembers a notify that found nobody waiting, once', async () => {
    const signal = new LocalWorkSignal();
    signal.notify('preview');
    signal.notify('preview');
    await signal.wait(['preview'], FOREVER);
    const abort = new AbortController();
    let woken = false;
    const second = signal.wait(['preview'], FOREVER, abort.signal).then(() => {
      woken = true;
    });
    await Promise.resolve();
    expect(woken).toBe(false);
    expect(signal.waiting).toBe(1);
    abort.abort();
    await second;
    expect(signal.waiting).toBe(0);
  });

  it('wakes everyone on close, and returns at once afterwards', async () => {
    const signal = new LocalWorkSignal();
    const asleep = signal.wait(['preview'], FOREVER);
    await signal.close();
    await asleep;
    await signal.wait(['preview'], FOREVER);
    expect(signal.waiting).toBe(0);
  });
});
