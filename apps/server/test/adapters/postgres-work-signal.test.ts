/**
 * WorkSignal over LISTEN/NOTIFY between two handles on one schema, as two processes of a fleet:
 * wake-ups by engine, the remembered-once notify, a listener whose backend is terminated coming
 * back and waking everyone once, and notify failures logged rather than thrown. Nothing here
 * measures time: a wake-up that never comes fails the test by its timeout, and "not woken" is
 * checked after a later notification on the same connection has arrived.
 */
import { once } from 'node:events';
import { createServer } from 'node:net';
import pg from 'pg';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  openPostgresWorkSignal,
  type PostgresHandle,
  type PostgresWorkSignal,
} from '../../src/adapters/postgres/index.ts';
import { adminQuery, memoryLog, type PostgresTestBed, postgresTestBed } from '../support/postgres.ts';

/** Longer than any test may run: a wait that returns did so because it was woken. */
const FOREVER = 120_000;

let bed: PostgresTestBed;
beforeEach(async () => {
  bed = await postgresTestBed();
});
afterEach(async () => {
  await bed?.cleanup();
});

async function replica(
  log = memoryLog(),
): Promise<{ handle: PostgresHandle; signal: PostgresWorkSignal; log: typeof log }> {
  const handle = await bed.open({ log });
  const signal = await openPostgresWorkSignal(handle, { reconnectMinMs: 10, reconnectMaxMs: 100 });
  bed.defer(() => signal.close());
  return { handle, signal, log };
}

/** A wait whose state can be looked at without awaiting it. */
function sleeper(signal: PostgresWorkSignal, engines: string[], abort?: AbortSignal) {
  const state = { woken: false };
  const done = signal.wait(engines, FOREVER, abort).then(() => {
    state.woken = true;
  });
  return { state, done };
}

async function closedPort(): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  server.close();
  await once(server, 'close');
  return port;
}

async function until(check: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 1000 && !check(); i++) await new Promise((resolve) => setTimeout(resolve, 10));
  if (!check()) throw new Error(`gave up waiting for ${what}`);
}

describe('PostgreSQL WorkSignal', () => {
  it('wakes the sleepers of another process that serve the engine, and only them', async () => {
    const a = await replica();
    const b = await replica();
    const wan = sleeper(a.signal, ['wan']);
    const preview = sleeper(a.signal, ['preview', 'ltx']);
    b.signal.notify('preview');
    await preview.done;
    // The notification that woke `preview` has been handled in full: `wan` stayed asleep.
    expect(wan.state.woken).toBe(false);
    b.signal.notify('wan');
    await wan.done;
    expect(a.signal.waiting).toBe(0);
  });

  it('remembers a notify that found nobody waiting, once', async () => {
    const a = await replica();
    const b = await replica();
    const marker = sleeper(a.signal, ['marker']);
    b.signal.notify('preview');
    b.signal.notify('marker');
    await marker.done;
    // `preview` arrived before `marker` and found nobody: the next wait for it returns at once.
    await a.signal.wait(['ltx', 'preview'], FOREVER);
    const abort = new AbortController();
    const second = sleeper(a.signal, ['preview'], abort.signal);
    const marker2 = sleeper(a.signal, ['marker']);
    b.signal.notify('marker');
    await marker2.done;
    expect(second.state.woken).toBe(false);
    abort.abort();
    await second.done;
  });

  it('reconnects a listener whose connection is terminated, and wakes every sleeper once', async () => {
    const a = await replica();
    const b = await replica();
    const pid = a.signal.listenerPid;
    expect(pid).toBeTypeOf('number');
    const asleep = [sleeper(a.signal, ['preview']), sleeper(a.signal, ['wan'])];
    await adminQuery('select pg_terminate_backend($1)', [pid]);
    await Promise.all(asleep.map((s) => s.done));
    expect(a.log.messages).toContain(
      `the work-signal listener lost its connection to ${a.handle.target}; reconnecting`,
    );
    expect(a.signal.listenerPid).not.toBeNull();
    expect(a.signal.listenerPid).not.toBe(pid);

    // Listening again: a new notification arrives.
    const after = sleeper(a.signal, ['preview']);
    b.signal.notify('preview');
    await after.done;
  });

  it('keeps trying to reconnect while the database cannot be reached, then listens again', async () => {
    const log = memoryLog();
    const handle = await bed.open({ log });
    const b = await replica();
    // The second and third listener connections go to a port nothing listens on.
    const port = await closedPort();
    let made = 0;
    const signal = await openPostgresWorkSignal(
      {
        ...handle,
        target: handle.target,
        dedicatedClient: (purpose) =>
          ++made === 2 || made === 3
            ? new pg.Client({ connectionString: `postgres://postgres@127.0.0.1:${port}/test` })
            : handle.dedicatedClient(purpose),
      },
      { reconnectMinMs: 10, reconnectMaxMs: 50, channel: b.signal.channel },
    );
    bed.defer(() => signal.close());
    await adminQuery('select pg_terminate_backend($1)', [signal.listenerPid]);
    await until(() => signal.listenerPid !== null && made >= 4, 'the listener to come back');
    expect(log.messages.filter((m) => m.includes('could not reconnect; trying again'))).toHaveLength(2);
    const after = sleeper(signal, ['preview']);
    b.signal.notify('preview');
    await after.done;
  });

  it('logs a notify that fails instead of throwing', async () => {
    const a = await replica();
    await a.handle.close();
    expect(() => a.signal.notify('preview')).not.toThrow();
    await until(() => a.log.messages.some((m) => m.startsWith('could not notify other processes')), 'the log');
    a.signal.notify('');
    expect(a.log.messages.at(-1)).toBe('not notifying: the engine name cannot be a NOTIFY payload');
  });

  it('wakes its sleepers on close, and ends waits on abort', async () => {
    const a = await replica();
    const abort = new AbortController();
    const aborted = sleeper(a.signal, ['preview'], abort.signal);
    abort.abort();
    await aborted.done;
    const asleep = sleeper(a.signal, ['preview']);
    await a.signal.close();
    await asleep.done;
    expect(a.signal.waiting).toBe(0);
    expect(a.signal.listenerPid).toBeNull();
  });

  it('keeps schemas apart: another schema’s notifications wake nobody here', async () => {
    const a = await replica();
    const other = await postgresTestBed();
    try {
      const otherHandle = await other.open();
      const otherSignal = await openPostgresWorkSignal(otherHandle);
      other.defer(() => otherSignal.close());
      expect(otherSignal.channel).not.toBe(a.signal.channel);
      const here = sleeper(a.signal, ['preview']);
      const there = sleeper(otherSignal, ['preview']);
      otherSignal.notify('preview');
      await there.done;
      expect(here.state.woken).toBe(false);
      const b = await replica();
      b.signal.notify('preview');
      await here.done;
    } finally {
      await other.cleanup();
    }
  });
});
