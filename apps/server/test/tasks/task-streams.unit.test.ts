/**
 * The stream watcher alone (modules/tasks/task-streams.ts), over a ledger held in memory and a
 * response that can stop draining: a client that does not read is not written to and gets the
 * latest state when it drains (its memory does not grow with the changes it missed); one batched
 * revisions query serves every followed task; ids out of range are ignored.
 */
import { EventEmitter } from 'node:events';
import type { ServerResponse } from 'node:http';
import type { Task } from '@vidforge/contract';
import { afterEach, describe, expect, it } from 'vitest';
import { createTaskStreams, parseLastEventId, type TaskStreams } from '../../src/modules/tasks/task-streams.ts';
import type { TaskRecord } from '../../src/ports/task-ledger.ts';

class FakeResponse extends EventEmitter {
  chunks: string[] = [];
  writableNeedDrain = false;
  ended = false;
  status = 0;
  writeHead(status: number) {
    this.status = status;
    return this;
  }
  write(chunk: string) {
    this.chunks.push(chunk);
    return true;
  }
  end() {
    this.ended = true;
    this.emit('close');
  }
  /** The `id: N` of each event written, in order. */
  ids(): number[] {
    return this.chunks.flatMap((c) => [...c.matchAll(/^id: (\d+)$/gm)].map((m) => Number(m[1])));
  }
}

function record(id: string, revision: number, status: TaskRecord['status'] = 'IN_PROGRESS'): TaskRecord {
  return {
    id,
    endpointId: 'ep',
    keyId: 'key',
    type: 'generate',
    engine: 'test',
    status,
    progress: revision / 100,
    request: { prompt: 'x' } as TaskRecord['request'],
    seed: 1,
    error: null,
    video: null,
    outputKey: null,
    attempts: 1,
    maxAttempts: 3,
    createdAt: 0,
    updatedAt: revision,
    deadlineAt: 1e12,
    runAfter: 0,
    finishedAt: null,
    retainUntil: null,
    resultDeletedAt: null,
    engineState: null,
    revision,
    rowVersion: revision,
  };
}

let streams: TaskStreams | undefined;
afterEach(async () => {
  await streams?.close();
});

function setup() {
  const rows = new Map<string, TaskRecord>();
  const queries: string[][] = [];
  const counts = { coalesced: 0 };
  streams = createTaskStreams({
    ledger: {
      get: async (id) => rows.get(id) ?? null,
      revisions: async (ids) => {
        queries.push([...ids]);
        return new Map(ids.flatMap((id) => (rows.has(id) ? [[id, rows.get(id)!.revision] as const] : [])));
      },
    },
    view: async (task) => ({ taskId: task.id, status: task.status, progress: task.progress }) as unknown as Task,
    clock: { now: () => 0 },
    tickMs: 1_000_000,
    heartbeatMs: 1_000_000,
    queueRefreshMs: 1_000_000,
    maxStreams: 10,
    maxStreamsPerKey: 10,
    observer: { open() {}, refused() {}, sent() {}, coalesced: () => counts.coalesced++, checked() {} },
  });
  const open = async (id: string, lastEventId?: number) => {
    const res = new FakeResponse();
    await streams!.start({
      task: rows.get(id)!,
      keyId: 'key',
      lastEventId,
      headers: {},
      res: res as unknown as ServerResponse,
    });
    return res;
  };
  const settle = () => new Promise((r) => setTimeout(r, 20));
  return { rows, queries, counts, open, settle, streams: streams! };
}

describe('the stream watcher', () => {
  it('skips a client that is not reading and gives it only the latest state when it drains', async () => {
    const { rows, counts, open, settle, streams } = setup();
    rows.set('t', record('t', 1));
    const res = await open('t');
    expect(res.ids()).toEqual([1]);
    res.writableNeedDrain = true;
    for (let revision = 2; revision <= 50; revision++) {
      rows.set('t', record('t', revision));
      streams.poke('t');
      await settle();
    }
    // Nothing was written while it did not read, whatever the number of changes.
    expect(res.ids()).toEqual([1]);
    expect(counts.coalesced).toBeGreaterThan(0);
    res.writableNeedDrain = false;
    res.emit('drain');
    expect(res.ids()).toEqual([1, 50]);
    rows.set('t', record('t', 51, 'SUCCESS'));
    streams.poke('t');
    await settle();
    expect(res.ids()).toEqual([1, 50, 51]);
    expect(res.chunks.at(-1)).toMatch(/^id: 51\nevent: done\n/);
    expect(res.ended).toBe(true);
    expect(streams.size).toBe(0);
  });

  it('reads every followed task in one query and loads only those that moved', async () => {
    const { rows, queries, open, settle, streams } = setup();
    for (const id of ['a', 'b', 'c']) rows.set(id, record(id, 3));
    const [a, b] = [await open('a'), await open('b'), await open('c'), await open('c')];
    rows.set('b', record('b', 4));
    streams.poke('a');
    streams.poke('b');
    await settle();
    expect(queries).toEqual([['a', 'b']]);
    expect(a!.ids()).toEqual([3]);
    expect(b!.ids()).toEqual([3, 4]);
  });

  it('resumes after Last-Event-ID: nothing when current, the current state when behind, all when unknown', async () => {
    const { rows, open } = setup();
    rows.set('t', record('t', 7));
    expect((await open('t', 7)).ids()).toEqual([]);
    expect((await open('t', 5)).ids()).toEqual([7]);
    // An id from the future is not this task's: treated as none.
    expect((await open('t', 99)).ids()).toEqual([7]);
    rows.set('done', record('done', 9, 'FAIL'));
    const finished = await open('done', 9);
    expect(finished.status).toBe(204);
    expect(finished.ended).toBe(true);
  });

  it('parses Last-Event-ID strictly', () => {
    expect(parseLastEventId('12')).toBe(12);
    expect(parseLastEventId(' 3 ')).toBe(3);
    for (const bad of [undefined, '', 'abc', '-1', '1.5', '1'.repeat(20)])
      expect(parseLastEventId(bad)).toBeUndefined();
  });
});
