/**
 * A Clock that follows the database server's clock. In a fleet, lease expiries and deadlines are
 * written by many hosts and compared by others (the reaper, a claim): if each used its own clock, a
 * host running 5 s fast would reap leases 5 s early. All of them read the one clock they share, the
 * database's, without a round trip per reading: the offset between it and the local clock is
 * measured at open and every 30 s, and now() is the local clock plus that offset.
 *
 * Measuring: the local clock is read before (sent) and after (received) `clock_timestamp()`; the
 * server read its clock somewhere in between, so assuming the midpoint errs by at most half the
 * round trip. Each measurement takes a few samples and keeps the one with the smallest round trip,
 * the tightest bound (a sample delayed by a GC pause or a busy pool would be off by half its delay).
 * A later measurement replaces the earlier one, so the local clock's drift and steps are followed.
 */
import { CompiledQuery } from 'kysely';
import type { Clock } from '../../ports/clock.ts';
import { systemClock } from '../../ports/clock.ts';
import type { PostgresHandle } from './open.ts';

export interface ClockSample {
  /** Local clock just before the query was sent. */
  sentAt: number;
  /** Local clock just after its answer arrived. */
  receivedAt: number;
  /** The server's clock_timestamp(), in epoch milliseconds. */
  serverTime: number;
}

/** Server clock minus local clock, assuming the server read its clock halfway through the round trip. */
export const offsetOf = (sample: ClockSample): number => sample.serverTime - (sample.sentAt + sample.receivedAt) / 2;

/** The sample with the smallest round trip (the first of equals). */
export function bestSample(samples: readonly ClockSample[]): ClockSample {
  if (samples.length === 0) throw new Error('bestSample needs at least one sample');
  return samples.reduce((best, sample) =>
    sample.receivedAt - sample.sentAt < best.receivedAt - best.sentAt ? sample : best,
  );
}

export interface DatabaseClockOptions {
  /** The local clock (tests inject one that is off, or slow to answer). */
  local?: Clock;
  /** How often the offset is measured again. */
  intervalMs?: number;
  /** Samples per measurement. */
  samples?: number;
}

export interface DatabaseClock extends Clock {
  /** Database clock minus local clock, in milliseconds, as last measured. */
  readonly offsetMs: number;
  /** Round trip of the sample the offset came from: the offset is right to within half of it. */
  readonly roundTripMs: number;
  /** Measures again now (also done every `intervalMs`); rejects when the database cannot be reached. */
  sync(): Promise<void>;
  /** Stops measuring; now() keeps the last offset. */
  close(): void;
}

const SERVER_TIME = CompiledQuery.raw('select (extract(epoch from clock_timestamp()) * 1000)::float8 as now');

/** Measures once before returning, so the clock is right from its first reading (the database must answer). */
export async function openDatabaseClock(
  handle: Pick<PostgresHandle, 'executeQuery' | 'log'>,
  options: DatabaseClockOptions = {},
): Promise<DatabaseClock> {
  const local = options.local ?? systemClock;
  const intervalMs = options.intervalMs ?? 30_000;
  const sampleCount = options.samples ?? 3;
  if (!Number.isInteger(sampleCount) || sampleCount < 1)
    throw new Error(`samples must be at least 1, got ${sampleCount}`);
  if (!Number.isInteger(intervalMs) || intervalMs < 1)
    throw new Error(`intervalMs must be positive, got ${intervalMs}`);

  async function sample(): Promise<ClockSample> {
    const sentAt = local.now();
    const { rows } = await handle.executeQuery<{ now: number }>(SERVER_TIME);
    const receivedAt = local.now();
    const serverTime = Number(rows[0]?.now);
    if (!Number.isFinite(serverTime)) throw new Error('the database did not return its clock');
    return { sentAt, receivedAt, serverTime };
  }

  let offsetMs = 0;
  let roundTripMs = 0;
  let syncing: Promise<void> | undefined;
  const sync = (): Promise<void> => {
    syncing ??= (async () => {
      try {
        const samples: ClockSample[] = [];
        for (let i = 0; i < sampleCount; i++) samples.push(await sample());
        const best = bestSample(samples);
        offsetMs = offsetOf(best);
        roundTripMs = best.receivedAt - best.sentAt;
      } finally {
        syncing = undefined;
      }
    })();
    return syncing;
  };

  await sync();
  const timer = setInterval(() => {
    // Until the database answers again, the last offset stands: clocks drift by milliseconds per
    // hour, and every write would fail meanwhile anyway.
    sync().catch((err: unknown) =>
      handle.log.warn({ err }, 'could not read the database clock; keeping the last offset'),
    );
  }, intervalMs);
  timer.unref();

  return {
    now: () => Math.round(local.now() + offsetMs),
    get offsetMs() {
      return offsetMs;
    },
    get roundTripMs() {
      return roundTripMs;
    },
    sync,
    close: () => clearInterval(timer),
  };
}
