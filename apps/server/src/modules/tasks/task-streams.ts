/**
 * Live progress (docs/api.md, "Live progress"): Server-Sent Events of a task's status and progress,
 * served by one watcher per process for all of its open streams.
 *
 * How changes are found. A task's `revision` moves with every status or progress change, whichever
 * process wrote it (a trigger, 007_usage). Every `tickMs` the watcher asks the ledger for the
 * revisions of all the tasks its streams follow, in one query (`WHERE id IN (…)`), and loads only
 * the tasks whose revision moved; a write made by this process (`poke`) is looked at at once,
 * without waiting for the tick. So a worker on another replica is seen within one tick, and the
 * embedded mode sees its own workers' progress as it is written. Chosen over LISTEN/NOTIFY: it works
 * the same on SQLite (several processes on one file) and PostgreSQL, costs one indexed query per
 * tick however many streams are open (none when none are), and needs no NOTIFY on every progress
 * write of every task, watched or not.
 *
 * Event ids are the revision, so `Last-Event-ID` resumes exactly: a client is sent the current
 * state only when its revision is past the one it saw. A queued task's place in line changes
 * without its row; every `queueRefreshMs` the view of followed PENDING tasks is made again and sent,
 * without an id, when its `queue` changed.
 *
 * Bounded: at most `maxStreams` streams per process and `maxStreamsPerKey` per access key and
 * process. A client that stops reading is not written to once its socket's buffer is full: it is
 * marked behind, and when the socket drains it gets the latest state (events carry the whole task,
 * so skipping ones in between loses nothing but history). Memory per stream is its socket buffer,
 * one small object, and the shared last frame of its task.
 */
import type { ServerResponse } from 'node:http';
import type { Task } from '@vidforge/contract';
import { ApiError } from '../../http/api-error.ts';
import type { Clock } from '../../ports/clock.ts';
import type { TaskLedger, TaskRecord } from '../../ports/task-ledger.ts';
import { isFinished } from './task-state.ts';
import type { TaskView } from './task-view.ts';

export interface StreamObserver {
  /** Streams open now changed by `delta`. */
  open(delta: number): void;
  /** A stream was refused: `process` (STREAMS_FULL) or `key` (TOO_MANY_STREAMS) cap. */
  refused(reason: 'process' | 'key'): void;
  /** An event was written to one stream: `task`, `done` or `queue`. */
  sent(event: 'task' | 'done' | 'queue'): void;
  /** A change was not written to a stream whose client is not reading (it gets the latest later). */
  coalesced(): void;
  /** One batched revisions query. */
  checked(tasks: number): void;
}

export interface TaskStreamsDeps {
  ledger: Pick<TaskLedger, 'get' | 'revisions'>;
  view: TaskView;
  clock: Clock;
  /** How often the revisions of followed tasks are read (changes written by other processes). */
  tickMs: number;
  /** A comment line this often keeps proxies and the client from calling the stream dead. */
  heartbeatMs: number;
  /** How often a followed PENDING task's place in line is looked at again. */
  queueRefreshMs: number;
  maxStreams: number;
  maxStreamsPerKey: number;
  observer?: StreamObserver;
  log?: { warn(fields: object, message: string): void };
}

/** What the route gives a stream once the caller may see the task. */
export interface StreamRequest {
  task: TaskRecord;
  keyId: string;
  /** The client's `Last-Event-ID`, when it is a revision. */
  lastEventId: number | undefined;
  /** Headers already set on the reply (request id, RateLimit, CORS): sent with the stream's. */
  headers: Record<string, string | string[] | number | undefined>;
  res: ServerResponse;
}

interface Stream {
  res: ServerResponse;
  taskId: string;
  keyId: string;
  /** The revision this client has (sent, or named in its Last-Event-ID). */
  seen: number;
  /** A change was skipped because the client was not reading: send the latest on drain. */
  behind: boolean;
  closed: boolean;
}

interface Followed {
  streams: Set<Stream>;
  /** The last state loaded: its revision, record and frame (shared by all its streams). */
  revision: number;
  record: TaskRecord | null;
  frame: string | null;
  finished: boolean;
  /** JSON of the last `queue` sent, for PENDING tasks. */
  queue: string;
}

const UNAVAILABLE_RETRY_AFTER_S = 5;
/** The client's reconnect delay (the `retry:` field), in ms. */
const RECONNECT_MS = 2_000;

/** One SSE event; data is one line of JSON (JSON.stringify never writes raw newlines). */
function frameOf(event: 'task' | 'done' | 'queue', data: Task, id?: number): string {
  return `${id === undefined ? '' : `id: ${id}\n`}event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
}

/** A `Last-Event-ID` this server could have sent: a revision. Anything else is ignored. */
export function parseLastEventId(header: string | string[] | undefined): number | undefined {
  const text = Array.isArray(header) ? header[0] : header;
  if (text === undefined || !/^\d{1,15}$/.test(text.trim())) return undefined;
  return Number(text.trim());
}

export function createTaskStreams(deps: TaskStreamsDeps) {
  const { ledger, view, clock } = deps;
  const observe = deps.observer;
  const followed = new Map<string, Followed>();
  const perKey = new Map<string, number>();
  let open = 0;
  let closing = false;
  let timers: NodeJS.Timeout[] = [];
  /** Tasks poked by this process's own writes, looked at on the next turn of the event loop. */
  const poked = new Set<string>();
  let pokeScheduled = false;
  /** Checks run one at a time, so a slow database never stacks them up. */
  let chain: Promise<void> = Promise.resolve();

  function write(stream: Stream, chunk: string): boolean {
    if (stream.closed) return false;
    if (stream.res.writableNeedDrain) return false;
    stream.res.write(chunk);
    return true;
  }

  function end(stream: Stream): void {
    if (stream.closed) return;
    stream.res.end();
    detach(stream);
  }

  function detach(stream: Stream): void {
    if (stream.closed) return;
    stream.closed = true;
    open--;
    observe?.open(-1);
    const count = (perKey.get(stream.keyId) ?? 1) - 1;
    if (count <= 0) perKey.delete(stream.keyId);
    else perKey.set(stream.keyId, count);
    const entry = followed.get(stream.taskId);
    if (entry?.streams.delete(stream) && entry.streams.size === 0) followed.delete(stream.taskId);
    if (open === 0) stopTimers();
  }

  /** Sends the task's latest frame to a stream that has not seen it (and ends it when final). */
  function deliver(stream: Stream, entry: Followed): void {
    if (entry.frame === null || stream.seen >= entry.revision) return;
    if (!write(stream, entry.frame)) {
      stream.behind = true;
      observe?.coalesced();
      return;
    }
    stream.seen = entry.revision;
    stream.behind = false;
    observe?.sent(entry.finished ? 'done' : 'task');
    if (entry.finished) end(stream);
  }

  async function publish(taskId: string, entry: Followed): Promise<void> {
    const record = await ledger.get(taskId);
    if (!record) {
      for (const stream of entry.streams) end(stream);
      return;
    }
    if (record.revision <= entry.revision && entry.frame !== null) return;
    const task = await view(record, clock.now());
    entry.revision = record.revision;
    entry.record = record;
    entry.finished = isFinished(record.status);
    entry.frame = frameOf(entry.finished ? 'done' : 'task', task, record.revision);
    entry.queue = JSON.stringify(task.queue ?? null);
    for (const stream of [...entry.streams]) deliver(stream, entry);
  }

  async function check(ids: string[]): Promise<void> {
    if (ids.length === 0) return;
    const revisions = await ledger.revisions(ids);
    observe?.checked(ids.length);
    for (const taskId of ids) {
      const entry = followed.get(taskId);
      if (!entry) continue;
      const revision = revisions.get(taskId);
      if (revision === undefined || revision > entry.revision || entry.frame === null) {
        await publish(taskId, entry);
      }
    }
  }

  function run(ids: () => string[]): void {
    chain = chain
      .then(() => check(ids()))
      .catch((err: unknown) => deps.log?.warn({ err }, 'live progress: could not read task revisions'));
  }

  async function refreshQueues(): Promise<void> {
    const now = clock.now();
    for (const entry of followed.values()) {
      if (entry.record?.status !== 'PENDING' || entry.frame === null) continue;
      const task = await view(entry.record, now);
      const queue = JSON.stringify(task.queue ?? null);
      if (queue === entry.queue) continue;
      entry.queue = queue;
      // No id: the row did not change, so a resume still starts from the revision it names.
      const frame = frameOf('queue', task);
      for (const stream of entry.streams) {
        if (stream.seen >= entry.revision && write(stream, frame)) observe?.sent('queue');
      }
    }
  }

  function startTimers(): void {
    if (timers.length > 0) return;
    const every = (ms: number, fn: () => void) => {
      const timer = setInterval(fn, ms);
      timer.unref();
      timers.push(timer);
    };
    every(deps.tickMs, () => run(() => [...followed.keys()]));
    every(deps.heartbeatMs, () => {
      for (const entry of followed.values()) for (const stream of entry.streams) write(stream, ': keep-alive\n\n');
    });
    every(deps.queueRefreshMs, () => {
      chain = chain
        .then(refreshQueues)
        .catch((err: unknown) => deps.log?.warn({ err }, 'live progress: could not refresh queue places'));
    });
  }

  function stopTimers(): void {
    for (const timer of timers) clearInterval(timer);
    timers = [];
  }

  return {
    /** Open streams in this process. */
    get size(): number {
      return open;
    },

    /**
     * Throws STREAMS_FULL or TOO_MANY_STREAMS when a stream may not be opened now; call before
     * anything is written, so the refusal is an ordinary JSON error.
     */
    admit(keyId: string): void {
      if (closing) throw new ApiError('SERVICE_UNAVAILABLE', 'The server is shutting down', { retryAfter: 5 });
      if (open >= deps.maxStreams) {
        observe?.refused('process');
        throw new ApiError(
          'STREAMS_FULL',
          `This server already serves ${deps.maxStreams} live-progress streams; poll the task instead, or retry later`,
          { retryAfter: UNAVAILABLE_RETRY_AFTER_S },
        );
      }
      if ((perKey.get(keyId) ?? 0) >= deps.maxStreamsPerKey) {
        observe?.refused('key');
        throw new ApiError(
          'TOO_MANY_STREAMS',
          `This access key already has ${deps.maxStreamsPerKey} live-progress streams open on this server; close one or poll`,
          { retryAfter: UNAVAILABLE_RETRY_AFTER_S },
        );
      }
    },

    /**
     * Starts the stream: headers, the current state unless the client's Last-Event-ID says it
     * has it, then changes until the task ends. The caller has checked visibility and `admit`.
     * A finished task whose final event the client already has gets 204, which tells an
     * EventSource to stop reconnecting.
     */
    async start(request: StreamRequest): Promise<void> {
      const { task, res } = request;
      const known = request.lastEventId;
      const headers = { ...request.headers };
      delete headers['content-length'];
      if (isFinished(task.status) && known === task.revision) {
        res.writeHead(204, headers);
        res.end();
        return;
      }
      const stream: Stream = {
        res,
        taskId: task.id,
        keyId: request.keyId,
        // An id from the future (another task's, or made up) is treated as unknown.
        seen: known !== undefined && known <= task.revision ? known : -1,
        behind: false,
        closed: false,
      };
      open++;
      observe?.open(1);
      perKey.set(stream.keyId, (perKey.get(stream.keyId) ?? 0) + 1);
      res.on('close', () => detach(stream));
      res.on('drain', () => {
        const entry = followed.get(stream.taskId);
        if (stream.behind && entry) deliver(stream, entry);
      });
      res.writeHead(200, {
        ...headers,
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-cache, no-transform',
        // nginx would otherwise buffer the stream until its buffer fills.
        'x-accel-buffering': 'no',
      });
      res.write(`retry: ${RECONNECT_MS}\n\n`);
      let entry = followed.get(task.id);
      if (!entry) {
        entry = { streams: new Set(), revision: -1, record: null, frame: null, finished: false, queue: 'null' };
        followed.set(task.id, entry);
      }
      entry.streams.add(stream);
      startTimers();
      if (task.revision > entry.revision || entry.frame === null) {
        // The state read for the visibility check is the freshest this process has.
        const shown = await view(task, clock.now());
        if (task.revision > entry.revision || entry.frame === null) {
          entry.revision = task.revision;
          entry.record = task;
          entry.finished = isFinished(task.status);
          entry.frame = frameOf(entry.finished ? 'done' : 'task', shown, task.revision);
          entry.queue = JSON.stringify(shown.queue ?? null);
        }
      }
      deliver(stream, entry);
    },

    /** A write by this process touched the task: look at it now rather than at the next tick. */
    poke(taskId: string): void {
      if (!followed.has(taskId)) return;
      poked.add(taskId);
      if (pokeScheduled) return;
      pokeScheduled = true;
      setImmediate(() => {
        pokeScheduled = false;
        run(() => {
          const ids = [...poked];
          poked.clear();
          return ids;
        });
      });
    },

    /** Shutdown: ends every stream (clients reconnect elsewhere with their Last-Event-ID). */
    async close(): Promise<void> {
      closing = true;
      stopTimers();
      for (const entry of [...followed.values()]) for (const stream of [...entry.streams]) end(stream);
      await chain;
    },
  };
}

export type TaskStreams = ReturnType<typeof createTaskStreams>;

/** The ledger with this process's writes announced to the streams (`poke`), for immediate events. */
export function announcingWrites<L extends TaskLedger>(ledger: L, poke: (taskId: string) => void): L {
  const after =
    <A extends unknown[], R>(fn: (...args: A) => Promise<R>, idOf: (args: A, result: R) => string | undefined) =>
    async (...args: A): Promise<R> => {
      const result = await fn(...args);
      const id = idOf(args, result);
      if (id !== undefined) poke(id);
      return result;
    };
  const leaseId = (args: [{ taskId: string }, ...unknown[]]) => args[0].taskId;
  return {
    ...ledger,
    claim: after(ledger.claim, (_args, lease) => lease?.taskId),
    heartbeat: after(ledger.heartbeat, leaseId),
    commit: after(ledger.commit, leaseId),
    retry: after(ledger.retry, leaseId),
    fail: after(ledger.fail, leaseId),
    release: after(ledger.release, leaseId),
    terminate: after(ledger.terminate, (args) => args[0]),
  };
}
