/**
 * The SDK's wait over the live-progress stream (Server-Sent Events): used when the server offers
 * it, resumed with Last-Event-ID when it breaks, and given up for polling when the route is not
 * there (the hosted original) or the stream keeps breaking.
 */
import type { AddressInfo } from 'node:net';
import { TaskFailedError, Vidforge } from '@vidforge/sdk';
import Fastify from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FAST_POLL, type SdkServer, slowPrompt, startSdkServer } from './support/sdk-server.ts';

let env: SdkServer;

beforeAll(async () => {
  env = await startSdkServer();
});

afterAll(async () => {
  await env?.stop();
});

interface Sent {
  url: string;
  headers: Record<string, string>;
}

/** A fetch that records every request and may rewrite the stream's responses. */
function recordingFetch(rewrite?: (response: Response, index: number) => Response) {
  const sent: Sent[] = [];
  let streams = 0;
  const fetcher: typeof fetch = async (input, init) => {
    const headers = Object.fromEntries(Object.entries((init?.headers ?? {}) as Record<string, string>));
    sent.push({ url: String(input), headers });
    const response = await globalThis.fetch(input, init);
    if (String(input).endsWith('/events') && rewrite) return rewrite(response, streams++);
    return response;
  };
  return { sent, fetcher };
}

/** The response with its body cut (a network error) right after its first event with data. */
function cutAfterFirstEvent(response: Response): Response {
  if (!response.body) return response;
  const reader = response.body.getReader();
  let text = '';
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      const { value, done } = await reader.read();
      if (done) return controller.close();
      text += new TextDecoder().decode(value);
      controller.enqueue(value);
      if (/data: .*\n\n/.test(text)) {
        await reader.cancel();
        controller.error(new TypeError('terminated'));
      }
    },
  });
  return new Response(body, { status: response.status, headers: response.headers });
}

const isPoll = (s: Sent) => /\/video\/tasks\/[^/]+$/.test(s.url);
const isStream = (s: Sent) => s.url.endsWith('/events');

describe('waiting over the stream', () => {
  it('follows the stream, not polls, and reports every progress step in order', async () => {
    const { sent, fetcher } = recordingFetch();
    const client = env.client({ fetch: fetcher });
    const { taskId } = await client.generate({ prompt: slowPrompt(5, 80) });
    const seen: number[] = [];
    const task = await client.waitForTask(taskId, { ...FAST_POLL, onProgress: (t) => seen.push(t.progress) });
    expect(task.status).toBe('SUCCESS');
    expect(sent.filter(isStream)).toHaveLength(1);
    expect(sent.filter(isStream)[0]!.headers.accept).toBe('text/event-stream');
    expect(sent.filter(isPoll)).toHaveLength(0);
    // Rising, each value once; the steps of the engine (1/6 … 4/6 at least) and the final 1.
    for (let i = 1; i < seen.length; i++) expect(seen[i]).toBeGreaterThan(seen[i - 1]!);
    for (const step of [1, 2, 3, 4]) expect(seen).toContain(Math.round((step / 6) * 10_000) / 10_000);
    expect(seen.at(-1)).toBe(1);
  });

  it('rejects with TaskFailedError from the final event', async () => {
    const client = env.client();
    const error = await client
      .generateAndWait({ prompt: 'test: failAttempts=9 retryable=false' }, FAST_POLL)
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TaskFailedError);
  });

  it('resumes a broken stream with Last-Event-ID and misses or repeats nothing', async () => {
    const { sent, fetcher } = recordingFetch((response, index) =>
      index === 0 ? cutAfterFirstEvent(response) : response,
    );
    const client = env.client({ fetch: fetcher });
    const { taskId } = await client.generate({ prompt: slowPrompt(4, 150) });
    const seen: number[] = [];
    const task = await client.waitForTask(taskId, { ...FAST_POLL, onProgress: (t) => seen.push(t.progress) });
    expect(task.status).toBe('SUCCESS');
    const streams = sent.filter(isStream);
    expect(streams.length).toBe(2);
    expect(streams[0]!.headers['last-event-id']).toBeUndefined();
    expect(Number(streams[1]!.headers['last-event-id'])).toBeGreaterThanOrEqual(0);
    for (let i = 1; i < seen.length; i++) expect(seen[i]).toBeGreaterThan(seen[i - 1]!);
    expect(sent.filter(isPoll)).toHaveLength(0);
  });

  it('polls once the stream keeps breaking before it carries anything', async () => {
    const broken = (response: Response) => {
      void response.body?.cancel();
      const body = new ReadableStream<Uint8Array>({ pull: (c) => c.error(new TypeError('terminated')) });
      return new Response(body, { status: 200, headers: response.headers });
    };
    const { sent, fetcher } = recordingFetch(broken);
    const client = env.client({ fetch: fetcher });
    const { taskId } = await client.generate({ prompt: slowPrompt(6, 100) });
    const task = await client.waitForTask(taskId, FAST_POLL);
    expect(task.status).toBe('SUCCESS');
    expect(sent.filter(isStream)).toHaveLength(3);
    expect(sent.filter(isPoll).length).toBeGreaterThanOrEqual(1);
  });
});

describe('a server without the stream', () => {
  // A tiny stand-in for the hosted original, which serves the poll but has no events route: the
  // task is PENDING, then IN_PROGRESS at 0.5, then SUCCESS, one state per poll.
  const app = Fastify();
  const polls: string[] = [];
  let baseUrl = '';
  const states = [
    { status: 'PENDING', progress: 0 },
    { status: 'IN_PROGRESS', progress: 0.5 },
    { status: 'SUCCESS', progress: 1 },
  ];
  app.get('/v1/ai/:endpointPath/video/tasks/:taskId', async (request) => {
    const { taskId } = request.params as { taskId: string };
    polls.push(taskId);
    const state = states[Math.min(polls.length - 1, states.length - 1)]!;
    const done = state.status === 'SUCCESS';
    return {
      taskId,
      ...state,
      mediaUrl: done ? 'https://media.example.com/v.mp4' : null,
      expireTime: done ? Date.now() + 3_600_000 : null,
    };
  });

  beforeAll(async () => {
    await app.listen({ host: '127.0.0.1', port: 0 });
    baseUrl = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}/v1/ai`;
  });

  afterAll(async () => {
    await app.close();
  });

  it('falls back to polling when the events route answers 404', async () => {
    const { sent, fetcher } = recordingFetch();
    const client = new Vidforge({ baseUrl, endpointPath: 'hosted', accessKey: 'k', fetch: fetcher });
    const seen: string[] = [];
    const task = await client.waitForTask('a'.repeat(22), {
      ...FAST_POLL,
      onProgress: (t) => seen.push(`${t.status} ${t.progress}`),
    });
    expect(task.status).toBe('SUCCESS');
    expect(sent.filter(isStream)).toHaveLength(1);
    expect(polls).toHaveLength(3);
    expect(seen).toEqual(['PENDING 0', 'IN_PROGRESS 0.5', 'SUCCESS 1']);
  });

  it('polls at once with stream: false', async () => {
    polls.length = 0;
    const { sent, fetcher } = recordingFetch();
    const client = new Vidforge({ baseUrl, endpointPath: 'hosted', accessKey: 'k', fetch: fetcher });
    const task = await client.waitForTask('b'.repeat(22), { ...FAST_POLL, stream: false });
    expect(task.status).toBe('SUCCESS');
    expect(sent.filter(isStream)).toHaveLength(0);
  });
});
