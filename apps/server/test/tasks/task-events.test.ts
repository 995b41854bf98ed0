/**
 * Live progress (docs/api.md, "Live progress"): `GET …/video/tasks/{taskId}/events` on a real
 * server with the `test` engine, read with a spec-following SSE client (support/sse.ts).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openAdmin } from '../../src/admin/index.ts';
import { type ApiResponse, pollTask, startTestServer, type TestServer } from '../support/index.ts';
import { openSse, type SseEvent } from '../support/sse.ts';

let server: TestServer;

beforeAll(async () => {
  server = await startTestServer({
    env: {
      VIDFORGE_SSE_HEARTBEAT_MS: '100',
      VIDFORGE_SSE_MAX_STREAMS: '6',
      VIDFORGE_SSE_MAX_STREAMS_PER_KEY: '4',
      VIDFORGE_KEY_POLL_RATE: '1000/day',
    },
  });
});

afterAll(async () => {
  await server?.stop();
});

const eventsUrl = (taskId: string, endpointPath = server.endpointPath) =>
  `${server.basePath}/${endpointPath}/video/tasks/${taskId}/events`;

const open = (taskId: string, headers: Record<string, string> = {}, key = server.key) =>
  openSse(eventsUrl(taskId), { authorization: `Bearer ${key}`, ...headers });

async function submit(prompt: string): Promise<string> {
  const answer: ApiResponse = await server.call('POST', '/video/generate', { prompt });
  expect(answer.status).toBe(200);
  return answer.body.taskId;
}

/** The progress each step of the test engine reports (task-state rounds to four decimals). */
const stepProgress = (steps: number) =>
  Array.from({ length: steps }, (_, i) => Math.round(((i + 1) / (steps + 1)) * 10_000) / 10_000);

const ids = (events: SseEvent[]) => events.filter((e) => e.id !== undefined).map((e) => Number(e.id));

function expectIncreasing(values: number[]) {
  for (let i = 1; i < values.length; i++) expect(values[i]).toBeGreaterThan(values[i - 1]!);
}

/** A task as the wire shows it, with the signed URL's query (its expiry moves with time) cut off. */
const comparable = (task: any) => ({ ...task, mediaUrl: task.mediaUrl?.split('?')[0] ?? null, expireTime: null });

describe('a stream of a running task', () => {
  it('carries every progress change in order, then the final task as the poll shows it, then ends', async () => {
    const taskId = await submit('test: steps=6 stepMs=120');
    const stream = await open(taskId);
    expect(stream.status).toBe(200);
    expect(stream.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
    expect(stream.headers.get('cache-control')).toContain('no-cache');
    expect(stream.headers.get('x-request-id')).toBeTruthy();
    await stream.ended;
    const { events } = stream;
    const running = events.filter((e) => e.data.status === 'IN_PROGRESS').map((e) => e.data.progress);
    // Each step's progress, each once, in order (the first IN_PROGRESS event may be the claim at 0).
    // The last step may never be written: the runner's commit follows it at once and supersedes it.
    const steps = stepProgress(6);
    const shown = running.filter((p) => p > 0);
    expect([steps, steps.slice(0, -1)]).toContainEqual(shown);
    expectIncreasing(ids(events));
    const last = events.at(-1)!;
    expect(last.event).toBe('done');
    expect(last.data.status).toBe('SUCCESS');
    expect(events.slice(0, -1).every((e) => e.event === 'task')).toBe(true);
    const poll = await server.call('GET', `/video/tasks/${taskId}`);
    expect(comparable(last.data)).toEqual(comparable(poll.body));
    // Heartbeats every 100 ms here (15 s by default).
    expect(stream.comments).toBeGreaterThan(2);
  });

  it('resumes with Last-Event-ID: nothing seen again, the current state if it moved, then the rest', async () => {
    const taskId = await submit('test: steps=8 stepMs=150');
    const first = await open(taskId);
    await first.until((e) => e.data.progress >= stepProgress(8)[1]!);
    first.close();
    const seen = first.events.filter((e) => e.id !== undefined);
    const lastId = seen.at(-1)!.id!;
    const lastProgress = seen.at(-1)!.data.progress;
    // The task moves on while the client is away.
    await pollTask(server, taskId, (t) => t.progress > lastProgress);
    const second = await open(taskId, { 'last-event-id': lastId });
    await second.ended;
    const resumed = second.events;
    expect(Number(resumed[0]!.id)).toBeGreaterThan(Number(lastId));
    expect(resumed[0]!.data.progress).toBeGreaterThan(lastProgress);
    const all = [...seen, ...resumed];
    expectIncreasing(ids(all));
    const progress = all.map((e) => e.data.progress);
    for (let i = 1; i < progress.length; i++) expect(progress[i]).toBeGreaterThanOrEqual(progress[i - 1]!);
    expect(resumed.at(-1)!.event).toBe('done');

    // With the final event's id the stream has nothing to say: 204, which stops an EventSource.
    const again = await open(taskId, { 'last-event-id': resumed.at(-1)!.id! });
    expect(again.status).toBe(204);
    // Without an id, a finished task's stream is its final event alone.
    const fresh = await open(taskId);
    await fresh.ended;
    expect(fresh.events.map((e) => e.event)).toEqual(['done']);
    expect(fresh.events[0]!.id).toBe(resumed.at(-1)!.id);
  });

  it('sends nothing at once when the client already has the current state', async () => {
    const taskId = await submit('test: steps=2 stepMs=600');
    const first = await open(taskId);
    const current = await first.until((e) => e.data.progress > 0);
    first.close();
    const second = await open(taskId, { 'last-event-id': current.id! });
    await new Promise((r) => setTimeout(r, 200));
    // The step after it (600 ms later) has not come yet: nothing was repeated meanwhile.
    expect(second.events.filter((e) => Number(e.id) <= Number(current.id))).toEqual([]);
    await second.ended;
    expect(second.events.at(-1)!.event).toBe('done');
    expectIncreasing(ids([current, ...second.events]));
  });

  it('counts once against the poll budget, however long it runs', async () => {
    const before = await server.call('GET', '/video/tasks');
    const remaining = (h: Headers) => Number(/r=(\d+)/.exec(h.get('ratelimit') ?? '')?.[1]);
    const taskId = await submit('test: steps=3 stepMs=100');
    const stream = await open(taskId);
    expect(remaining(stream.headers)).toBe(remaining(before.headers) - 1);
    await stream.ended;
    const after = await server.call('GET', '/video/tasks');
    expect(remaining(after.headers)).toBe(remaining(before.headers) - 2);
  });
});

describe('who may open a stream', () => {
  it('answers as the poll does: 401 without a key, 404 for an unknown task or one of another endpoint', async () => {
    const taskId = await submit('test: steps=1 stepMs=10');
    const noKey = await openSse(eventsUrl(taskId));
    expect(noKey.status).toBe(401);
    expect(noKey.body.error.code).toBe('UNAUTHORIZED');
    const unknown = await open('AAAAAAAAAAAAAAAAAAAAAA');
    expect(unknown.status).toBe(404);
    expect(unknown.body.error.code).toBe('TASK_NOT_FOUND');
    const malformed = await open('not-a-task-id');
    expect(malformed.status).toBe(404);
    const elsewhere = await openSse(eventsUrl(taskId, server.previewEndpointPath), {
      authorization: `Bearer ${server.key}`,
    });
    expect(elsewhere.status).toBe(404);
    expect(elsewhere.body.error.code).toBe('TASK_NOT_FOUND');
    const unknownEndpoint = await openSse(eventsUrl(taskId, 'no-such-endpoint'), {
      authorization: `Bearer ${server.key}`,
    });
    expect(unknownEndpoint.status).toBe(404);
    expect(unknownEndpoint.body.error.code).toBe('ENDPOINT_NOT_FOUND');
  });

  it('caps streams per key (429 TOO_MANY_STREAMS) and per process (503 STREAMS_FULL)', async () => {
    const handle = await openAdmin(server.config);
    const other = await handle.admin.createKey({ name: 'other', endpoints: [server.endpointPath] });
    await handle.close();
    const taskId = await submit('test: steps=2 stepMs=3000');
    const mine = await Promise.all([1, 2, 3, 4].map(() => open(taskId)));
    expect(mine.map((s) => s.status)).toEqual([200, 200, 200, 200]);
    const fifth = await open(taskId);
    expect(fifth.status).toBe(429);
    expect(fifth.body.error.code).toBe('TOO_MANY_STREAMS');
    expect(fifth.headers.get('retry-after')).toBeTruthy();
    const theirs = await Promise.all([1, 2].map(() => open(taskId, {}, other.key)));
    expect(theirs.map((s) => s.status)).toEqual([200, 200]);
    const full = await open(taskId, {}, other.key);
    expect(full.status).toBe(503);
    expect(full.body.error.code).toBe('STREAMS_FULL');
    // A closed stream frees its place.
    mine[0]!.close();
    await mine[0]!.ended;
    await new Promise((r) => setTimeout(r, 100));
    const replacement = await open(taskId, {}, other.key);
    expect(replacement.status).toBe(200);
    for (const s of [...mine, ...theirs, replacement]) s.close();
    await server.call('DELETE', `/video/tasks/${taskId}`);
  });

  it('ends with the cancelled task when the task is cancelled', async () => {
    const taskId = await submit('test: steps=3 stepMs=2000');
    const stream = await open(taskId);
    await stream.until((e) => e.data.status === 'IN_PROGRESS');
    await server.call('DELETE', `/video/tasks/${taskId}`);
    await stream.ended;
    const last = stream.events.at(-1)!;
    expect(last.event).toBe('done');
    expect(last.data.error.code).toBe('CANCELLED');
  });
});

it('ends open streams when the server stops', async () => {
  const local = await startTestServer();
  try {
    const answer = await local.call('POST', '/video/generate', { prompt: 'test: steps=2 stepMs=5000' });
    const stream = await openSse(`${local.basePath}/${local.endpointPath}/video/tasks/${answer.body.taskId}/events`, {
      authorization: `Bearer ${local.key}`,
    });
    await stream.until(() => true);
    const started = Date.now();
    await local.server.stop();
    await stream.ended;
    expect(Date.now() - started).toBeLessThan(5_000);
  } finally {
    await local.stop();
  }
});
