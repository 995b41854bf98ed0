/**
 * Races on one database file: two handles in one process (in-process turn-taking), and threads with
 * their own connections (SQLite's locks and busy_timeout). Exactly one winner every time.
 */
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openSqliteAdapters, type SqliteAdapters } from '../../src/adapters/sqlite/index.ts';
import { createTask, ENGINE, idempotency, newTask, T0, VIDEO } from '../conformance/fixtures.ts';
import { tempDir } from '../support/temp-dir.ts';

let dir: Awaited<ReturnType<typeof tempDir>>;
let file: string;
let a: SqliteAdapters;
let b: SqliteAdapters;
beforeEach(async () => {
  dir = await tempDir('vidforge-sqlite-race-');
  file = join(dir.path, 'vidforge.db');
  a = openSqliteAdapters({ file });
  b = openSqliteAdapters({ file });
});
afterEach(async () => {
  await a.close();
  await b.close();
  await dir.remove();
});

const claimOn = (s: SqliteAdapters, workerId: string) =>
  s.ledger.claim({ workerId, engines: [ENGINE], leaseMs: 30_000, now: T0 + 1000 });

describe('reads outside transactions (the handle runs them at once when the file is idle)', () => {
  it('never see a transaction that is still open on the same connection, and see it once committed', async () => {
    let insideOpen!: () => void;
    const opened = new Promise<void>((resolve) => {
      insideOpen = resolve;
    });
    let finish!: () => void;
    const held = new Promise<void>((resolve) => {
      finish = resolve;
    });
    const writing = a.handle.db.transaction().execute(async (trx) => {
      await trx
        .insertInto('endpoints')
        .values({
          id: 'ep_open',
          path: 'openTransaction',
          engine: 'preview',
          settings: '{}',
          name: null,
          created_at: 1,
        })
        .execute();
      insideOpen();
      await held;
    });
    await opened;
    // Same connection, transaction open and uncommitted: the read must wait its turn, not run inside it.
    const reading = a.access.endpointByPath('openTransaction');
    const version = a.access.accessVersion();
    let settled = false;
    void reading.then(() => {
      settled = true;
    });
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(settled).toBe(false);
    finish();
    await writing;
    expect((await reading)?.id).toBe('ep_open');
    expect(await version).toBe(await b.access.accessVersion());
  });

  it('run at once when nothing holds the file, and agree with the other handle', async () => {
    const task = await createTask(a.ledger);
    expect(await b.ledger.get(task.id)).toEqual(await a.ledger.get(task.id));
    expect(await a.access.accessVersion()).toBe(await b.access.accessVersion());
  });
});

describe('handle.transaction', () => {
  const endpointRow = (id: string) => ({ id, path: id, engine: 'preview', settings: '{}', name: null, created_at: 1 });

  it('commits what its function wrote, and rolls all of it back when the function throws', async () => {
    await a.handle.transaction(async (trx) => {
      await trx.insertInto('endpoints').values(endpointRow('committed01')).execute();
    });
    await expect(
      a.handle.transaction(async (trx) => {
        await trx.insertInto('endpoints').values(endpointRow('rolledBack01')).execute();
        throw new Error('changed my mind');
      }),
    ).rejects.toThrow('changed my mind');
    expect((await b.access.endpointByPath('committed01'))?.id).toBe('committed01');
    expect(await b.access.endpointByPath('rolledBack01')).toBeNull();
    expect(await a.access.endpointByPath('rolledBack01')).toBeNull();
    // The connection is usable afterwards: no transaction left open.
    await a.handle.transaction(async (trx) => {
      await trx.insertInto('endpoints').values(endpointRow('afterwards01')).execute();
    });
  });

  it('transactions asked for together share a commit, and one that throws takes only its own writes back', async () => {
    const outcomes = await Promise.allSettled(
      ['groupOk0001', 'groupFail001', 'groupOk0002', 'groupOk0001'].map((id, i) =>
        a.handle.transaction(async (trx) => {
          await trx
            .insertInto('endpoints')
            .values(endpointRow(`${id}-${i}`))
            .execute();
          if (id === 'groupFail001') throw new Error('this one fails');
          // The fourth sees what the first wrote: members run one after another, never interleaved.
          return trx.selectFrom('endpoints').select('id').where('id', 'like', 'groupOk0001%').execute();
        }),
      ),
    );
    expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'rejected', 'fulfilled', 'fulfilled']);
    expect((outcomes[3] as PromiseFulfilledResult<unknown[]>).value).toHaveLength(2);
    const ids = (await b.access.listEndpoints()).map((e) => e.id).toSorted();
    expect(ids).toEqual(['groupOk0001-0', 'groupOk0001-3', 'groupOk0002-2']);
  });

  it('concurrent duplicate submits in one group: one task, the others replay it', async () => {
    const results = await Promise.all(
      Array.from({ length: 10 }, (_, i) => a.ledger.create(newTask({ createdAt: T0 + i }), idempotency())),
    );
    expect(results.map((r) => r.kind).toSorted()).toEqual(['created', ...Array(9).fill('replayed')]);
    expect(new Set(results.map((r) => ('task' in r ? r.task.id : ''))).size).toBe(1);
  });

  it('takes turns with the other handle and with reads, which never see it half done', async () => {
    let finish!: () => void;
    const held = new Promise<void>((resolve) => {
      finish = resolve;
    });
    let inside!: () => void;
    const opened = new Promise<void>((resolve) => {
      inside = resolve;
    });
    const first = a.handle.transaction(async (trx) => {
      await trx.insertInto('endpoints').values(endpointRow('firstTurn01')).execute();
      inside();
      await held;
    });
    await opened;
    const read = a.access.endpointByPath('firstTurn01');
    const second = b.handle.transaction(async (trx) => {
      await trx.insertInto('endpoints').values(endpointRow('secondTurn1')).execute();
    });
    finish();
    await Promise.all([first, second]);
    expect((await read)?.id).toBe('firstTurn01');
    expect(await a.access.countEndpoints()).toBe(2);
  });
});

describe('two handles in one process', () => {
  it('give each task to exactly one claimer, without waiting out busy_timeout', async () => {
    for (let i = 0; i < 30; i++) await createTask(a.ledger, { createdAt: T0 + i });
    const started = performance.now();
    const leases = await Promise.all(Array.from({ length: 60 }, (_, i) => claimOn(i % 2 ? a : b, `w${i}`)));
    // Without turn-taking the second handle would block the event loop for the whole busy_timeout.
    expect(performance.now() - started).toBeLessThan(2000);
    const won = leases.filter((l) => l !== null);
    expect(won).toHaveLength(30);
    expect(new Set(won.map((l) => l.taskId)).size).toBe(30);
  });

  it('create one task for concurrent duplicate submits', async () => {
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        (i % 2 ? a : b).ledger.create(newTask({ createdAt: T0 + i }), idempotency()),
      ),
    );
    expect(results.filter((r) => r.kind === 'created')).toHaveLength(1);
    expect(new Set(results.map((r) => ('task' in r ? r.task.id : ''))).size).toBe(1);
  });

  it('fence a worker on one handle when the task is cancelled through the other', async () => {
    const task = await createTask(a.ledger);
    const lease = (await claimOn(a, 'w1'))!;
    expect(await b.ledger.terminate(task.id, { code: 'CANCELLED', message: 'stop' }, T0 + 2000)).not.toBeNull();
    expect(await a.ledger.commit(lease, { outputKey: 'k', video: VIDEO, retainUntil: T0 + 9000 }, T0 + 2001)).toBe(
      false,
    );
    expect((await b.ledger.get(task.id))?.status).toBe('FAIL');
  });
});

type WorkerReply = { claimed?: string[]; kinds?: string[]; taskIds?: string[]; error?: string };

/** Starts the threads, releases them together, and collects their replies. */
async function race(jobs: object[]): Promise<WorkerReply[]> {
  const workers = jobs.map(
    (job) => new Worker(new URL('./sqlite-race.worker.ts', import.meta.url), { workerData: job }),
  );
  try {
    await Promise.all(workers.map((w) => new Promise((resolve) => w.once('message', resolve))));
    const replies = workers.map(
      (w) =>
        new Promise<WorkerReply>((resolve, reject) => {
          w.once('message', resolve);
          w.once('error', reject);
        }),
    );
    for (const w of workers) w.postMessage('go');
    const all = await Promise.all(replies);
    for (const reply of all) expect(reply.error).toBeUndefined();
    return all;
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
  }
}

describe('threads with their own connections', () => {
  it('claim every task exactly once between them', async () => {
    for (let i = 0; i < 200; i++) await createTask(a.ledger, { createdAt: T0 + i });
    const replies = await race(Array.from({ length: 4 }, (_, i) => ({ file, mode: 'claim', name: `thread${i}` })));
    const claimed = replies.flatMap((r) => r.claimed ?? []);
    expect(claimed).toHaveLength(200);
    expect(new Set(claimed).size).toBe(200);
    expect(await claimOn(a, 'late')).toBeNull();
  });

  it('create one task for one idempotency key submitted from every thread at once', async () => {
    const replies = await race(
      Array.from({ length: 4 }, (_, i) => ({ file, mode: 'create', name: `t${i}`, creates: 10 })),
    );
    const kinds = replies.flatMap((r) => r.kinds ?? []);
    expect(kinds.filter((k) => k === 'created')).toHaveLength(1);
    expect(kinds.filter((k) => k === 'replayed')).toHaveLength(39);
    expect(new Set(replies.flatMap((r) => r.taskIds ?? [])).size).toBe(1);
    expect(await a.ledger.list({ endpointId: 'ep', limit: 100 })).toHaveLength(1);
  });
});
