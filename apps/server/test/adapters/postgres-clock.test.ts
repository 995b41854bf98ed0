/**
 * The database clock: the offset from the midpoint of the round trip, the sample with the smallest
 * round trip kept, measured with a real query against a local clock that is off by an hour.
 * Tolerances are for agreement between two clocks (seconds), never for how long anything took.
 */
import { type CompiledQuery, sql } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { bestSample, offsetOf, openDatabaseClock } from '../../src/adapters/postgres/database-clock.ts';
import type { PostgresHandle } from '../../src/adapters/postgres/index.ts';
import { StorageUnavailableError } from '../../src/ports/storage-errors.ts';
import { memoryLog, type PostgresTestBed, postgresTestBed } from '../support/postgres.ts';

const HOUR = 3_600_000;

describe('clock samples', () => {
  it('take the midpoint of the round trip as the moment the server read its clock', () => {
    expect(offsetOf({ sentAt: 1000, receivedAt: 1010, serverTime: 5005 })).toBe(4000);
    expect(offsetOf({ sentAt: 1000, receivedAt: 1000, serverTime: 900 })).toBe(-100);
  });

  it('keep the sample with the smallest round trip', () => {
    const samples = [
      { sentAt: 0, receivedAt: 50, serverTime: 1 },
      { sentAt: 100, receivedAt: 102, serverTime: 2 },
      { sentAt: 200, receivedAt: 202, serverTime: 3 },
      { sentAt: 300, receivedAt: 340, serverTime: 4 },
    ];
    expect(bestSample(samples)).toBe(samples[1]);
    expect(() => bestSample([])).toThrow();
  });
});

describe('openDatabaseClock', () => {
  let bed: PostgresTestBed;
  let handle: PostgresHandle;
  beforeEach(async () => {
    bed = await postgresTestBed();
    handle = await bed.open();
  });
  afterEach(async () => {
    await bed?.cleanup();
  });

  const databaseNow = async () =>
    Number(
      (
        await sql<{ now: number }>`select (extract(epoch from clock_timestamp()) * 1000)::float8 as now`.execute(
          handle.db,
        )
      ).rows[0]!.now,
    );

  it('follows the database when the local clock is an hour slow', async () => {
    const clock = await openDatabaseClock(handle, { local: { now: () => Date.now() - HOUR } });
    try {
      expect(Math.abs(clock.offsetMs - HOUR)).toBeLessThan(2_000);
      expect(Math.abs(clock.now() - (await databaseNow()))).toBeLessThan(2_000);
    } finally {
      clock.close();
    }
  });

  it('ignores samples whose answer came late', async () => {
    // Readings 2 and 6 (the answers of samples 1 and 3) come 20 s late, as after a long pause:
    // their midpoints are 10 s off. Sample 2 is the one to trust.
    let reading = 0;
    const local = { now: () => Date.now() + HOUR + ([2, 6].includes(++reading) ? 20_000 : 0) };
    const clock = await openDatabaseClock(handle, { local, samples: 3 });
    try {
      expect(reading).toBe(6);
      expect(Math.abs(clock.offsetMs + HOUR)).toBeLessThan(2_000);
      expect(clock.roundTripMs).toBeLessThan(20_000);
    } finally {
      clock.close();
    }
  });

  it('keeps the last offset while the database cannot be read, and says so', async () => {
    const log = memoryLog();
    let down = false;
    const flaky = {
      log,
      executeQuery: <R>(query: CompiledQuery<R>) =>
        down ? Promise.reject(new StorageUnavailableError('Storage unavailable: test')) : handle.executeQuery(query),
    };
    const clock = await openDatabaseClock(flaky, { local: { now: () => Date.now() - HOUR }, intervalMs: 5 });
    try {
      const offset = clock.offsetMs;
      down = true;
      await expect(clock.sync()).rejects.toThrow(StorageUnavailableError);
      expect(clock.offsetMs).toBe(offset);
      for (let i = 0; i < 500 && log.messages.length === 0; i++) await new Promise((r) => setTimeout(r, 10));
      expect(log.messages[0]).toBe('could not read the database clock; keeping the last offset');
      expect(clock.offsetMs).toBe(offset);
    } finally {
      clock.close();
    }
  });

  it('refuses nonsense settings', async () => {
    await expect(openDatabaseClock(handle, { samples: 0 })).rejects.toThrow(/samples/);
    await expect(openDatabaseClock(handle, { intervalMs: 0 })).rejects.toThrow(/intervalMs/);
  });
});
