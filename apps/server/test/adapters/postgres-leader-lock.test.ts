/**
 * LeaderLock over advisory locks, two "processes" (handles) on one schema: one holds a name at a
 * time, the other takes over when the holder closes or its backend is terminated, and a lock that
 * cannot reach the database answers false rather than throwing. The embedded lock always holds.
 */
import { once } from 'node:events';
import { createServer } from 'node:net';
import pg from 'pg';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createPostgresLeaderLock, type PostgresLeaderLock } from '../../src/adapters/postgres/index.ts';
import { localLeaderLock } from '../../src/adapters/signal-local/index.ts';
import { adminQuery, memoryLog, type PostgresTestBed, postgresTestBed } from '../support/postgres.ts';

let bed: PostgresTestBed;

async function lock(target = bed, log = memoryLog()): Promise<PostgresLeaderLock> {
  const handle = await target.open({ log });
  const leader = createPostgresLeaderLock(handle, { retryMs: 10 });
  target.defer(() => leader.close());
  return leader;
}

/** Calls hold() until it answers true, as a reaper's ticks would. */
async function takeOver(leader: PostgresLeaderLock, name: string): Promise<void> {
  for (let i = 0; i < 500; i++) {
    if (await leader.hold(name)) return;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error(`never took over ${name}`);
}

describe('PostgreSQL LeaderLock', () => {
  beforeEach(async () => {
    bed = await postgresTestBed();
  });
  afterEach(async () => {
    await bed?.cleanup();
  });

  it('lets one process hold a name, and each name separately', async () => {
    const a = await lock();
    const b = await lock();
    expect(await a.hold('reaper')).toBe(true);
    expect(await b.hold('reaper')).toBe(false);
    expect(await a.hold('reaper')).toBe(true);
    expect(await b.hold('retention')).toBe(true);
    expect(await a.hold('retention')).toBe(false);
    const concurrent = await Promise.all([a.hold('sweep'), b.hold('sweep'), a.hold('sweep'), b.hold('sweep')]);
    expect(new Set([concurrent[0], concurrent[1]]).size).toBe(2);
  });

  it('hands over when the holder closes', async () => {
    const a = await lock();
    const b = await lock();
    expect(await a.hold('reaper')).toBe(true);
    await a.close();
    expect(await a.hold('reaper')).toBe(false);
    await takeOver(b, 'reaper');
    expect(await b.hold('reaper')).toBe(true);
  });

  it('hands over when the holder’s backend is terminated, and the old holder then answers false', async () => {
    const log = memoryLog();
    const a = await lock(bed, log);
    const b = await lock();
    expect(await a.hold('reaper')).toBe(true);
    const pid = a.backendPid;
    await adminQuery('select pg_terminate_backend($1)', [pid]);
    await takeOver(b, 'reaper');
    expect(await a.hold('reaper')).toBe(false);
    expect(log.messages.some((m) => m.includes('no longer leader'))).toBe(true);
    // Its new session holds nothing; when B goes, A takes over again.
    expect(a.backendPid).not.toBe(pid);
    await b.close();
    await takeOver(a, 'reaper');
  });

  it('keeps schemas apart', async () => {
    const other = await postgresTestBed();
    try {
      const here = await lock();
      const there = await lock(other);
      expect(await here.hold('reaper')).toBe(true);
      expect(await there.hold('reaper')).toBe(true);
    } finally {
      await other.cleanup();
    }
  });

  it('answers false, and logs, while the database cannot be reached', async () => {
    const server = createServer().listen(0, '127.0.0.1');
    await once(server, 'listening');
    const { port } = server.address() as { port: number };
    server.close();
    await once(server, 'close');
    const log = memoryLog();
    const leader = createPostgresLeaderLock({
      log,
      target: 'unreachable',
      dedicatedClient: () => new pg.Client({ connectionString: `postgres://postgres@127.0.0.1:${port}/test` }),
    });
    try {
      expect(await leader.hold('reaper')).toBe(false);
      expect(await leader.hold('reaper')).toBe(false);
      expect(log.messages[0]).toBe('the leader lock cannot connect to unreachable; not leader for now');
    } finally {
      await leader.close();
    }
  });
});

describe('embedded LeaderLock', () => {
  it('always holds', async () => {
    expect(await localLeaderLock.hold('reaper')).toBe(true);
    await localLeaderLock.close();
    expect(await localLeaderLock.hold('reaper')).toBe(true);
  });
});
