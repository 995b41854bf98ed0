/**
 * Webhooks end to end: a real server (test engine, SQLite) delivering to real receivers on
 * loopback, every request checked with the independent `standardwebhooks` package. Each event
 * type, the per-task callback (seed and OpenAI-shaped), a receiver down then up, 500s, redirects,
 * a slow receiver, and forbidden addresses that are never contacted.
 */
import { createServer, type Server } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openAdmin } from '../../src/admin/index.ts';
import { pollTask, startTestServer, type TestServer } from '../support/index.ts';
import { type Receiver, startReceiver, until, verified } from './receiver.ts';

let server: TestServer;
let receiver: Receiver;
let forbidden: Server;
let forbiddenConnections = 0;
let forbiddenPort = 0;

const WEBHOOK_SETTINGS = {
  VIDFORGE_WEBHOOK_RETRY_BASE_MS: '100',
  VIDFORGE_WEBHOOK_RETRY_MAX_MS: '400',
  VIDFORGE_WEBHOOK_RETRY_FOR_MS: '60000',
  VIDFORGE_WEBHOOK_TIMEOUT_MS: '1000',
  VIDFORGE_WEBHOOK_POLL_INTERVAL_MS: '200',
};

async function admin<T>(fn: (handle: Awaited<ReturnType<typeof openAdmin>>['admin']) => Promise<T>): Promise<T> {
  const handle = await openAdmin(server.config);
  try {
    return await fn(handle.admin);
  } finally {
    await handle.close();
  }
}

const subscribe = (path: string, events?: string[]) =>
  admin((a) => a.webhooks.createSubscription({ endpoint: server.endpointPath, url: receiver.url(path), events }));

const deliveriesOf = (filter: { taskId?: string; subscriptionId?: string }) =>
  admin((a) => a.webhooks.deliveries({ ...filter, limit: 100 }));

async function submit(prompt: string, extra: Record<string, unknown> = {}): Promise<string> {
  const response = await server.call('POST', '/video/generate', { prompt, ...extra });
  expect(response.status, JSON.stringify(response.body)).toBe(200);
  return response.body.taskId;
}

const at = (path: string) => receiver.received.filter((m) => m.path === path);

beforeAll(async () => {
  receiver = await startReceiver();
  forbidden = createServer((socket) => {
    forbiddenConnections++;
    socket.destroy();
  });
  await new Promise<void>((resolve) => forbidden.listen(0, '127.0.0.1', resolve));
  forbiddenPort = (forbidden.address() as { port: number }).port;
  server = await startTestServer({
    env: { ...WEBHOOK_SETTINGS, VIDFORGE_FETCH_ALLOW: `127.0.0.1:${receiver.port}` },
  });
});

afterAll(async () => {
  await server?.stop();
  await receiver?.close();
  await new Promise((resolve) => forbidden?.close(resolve));
});

describe('webhooks', () => {
  it('delivers task.started, succeeded, failed and cancelled, signed, to the subscriptions that asked', async () => {
    const all = await subscribe('/all', ['task.started', 'task.succeeded', 'task.failed', 'task.cancelled']);
    const terminal = await subscribe('/terminal');
    expect(all.secret).toMatch(/^whsec_[A-Za-z0-9+/=]{40,}$/);
    expect(terminal.subscription.events).toEqual(['task.succeeded', 'task.failed', 'task.cancelled']);

    const succeeded = await submit('test: steps=2 stepMs=10');
    const failed = await submit('test: failAttempts=5 retryable=false');
    const cancelled = await submit('test: steps=200 stepMs=50');
    await pollTask(server, cancelled, (t) => t.status === 'IN_PROGRESS');
    expect((await server.call('DELETE', `/video/tasks/${cancelled}`)).status).toBe(200);
    await pollTask(server, succeeded);
    await pollTask(server, failed);

    const expected = [
      [succeeded, 'task.started'],
      [succeeded, 'task.succeeded'],
      [failed, 'task.started'],
      [failed, 'task.failed'],
      [cancelled, 'task.started'],
      [cancelled, 'task.cancelled'],
    ];
    const payloads = await until('every event at /all', () => {
      const got = at('/all').map((m) => verified(all.secret, m));
      return got.length >= expected.length ? got : undefined;
    });
    expect(payloads.map((p) => [p.data.taskId, p.type]).sort()).toEqual([...expected].sort());
    const done = payloads.find((p) => p.type === 'task.succeeded')!;
    expect(done.data).toMatchObject({ taskId: succeeded, status: 'SUCCESS', progress: 1 });
    expect(done.data.mediaUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/v1\/media\//);
    expect(Number.isNaN(Date.parse(done.timestamp))).toBe(false);
    expect(payloads.find((p) => p.type === 'task.failed')!.data.error.code).toBe('ENGINE_FAILED');
    expect(payloads.find((p) => p.type === 'task.cancelled')!.data.error.code).toBe('CANCELLED');

    const terminalPayloads = await until('terminal events', () => {
      const got = at('/terminal').map((m) => verified(terminal.secret, m));
      return got.length >= 3 ? got : undefined;
    });
    expect(terminalPayloads.map((p) => p.type).sort()).toEqual(['task.cancelled', 'task.failed', 'task.succeeded']);
    // Signed with its own secret: the other subscription's does not verify it.
    expect(() => verified(all.secret, at('/terminal')[0]!)).toThrow();
    // One event, several destinations: one webhook-id.
    const idsOf = (path: string) =>
      at(path).map((m) => [JSON.parse(m.body).type, JSON.parse(m.body).data.taskId, m.headers['webhook-id']]);
    const succeededAll = idsOf('/all').find(([type, id]) => type === 'task.succeeded' && id === succeeded)!;
    const succeededTerminal = idsOf('/terminal').find(([type, id]) => type === 'task.succeeded' && id === succeeded)!;
    expect(succeededAll[2]).toBe(succeededTerminal[2]);

    await admin((a) => a.webhooks.deleteSubscription(all.subscription.id));
    await admin((a) => a.webhooks.deleteSubscription(terminal.subscription.id));
  });

  it('POSTs a task’s callbackUrl its terminal event, signed with the endpoint’s secret; a bad URL is a 400', async () => {
    const taskId = await submit('test: steps=1', { callbackUrl: receiver.url('/callback?task=1') });
    const message = await until('the callback', () => at('/callback?task=1')[0]);
    const { secret } = await admin((a) => a.webhooks.endpointSecret(server.endpointPath));
    const payload = verified(secret, message);
    expect(payload).toMatchObject({ type: 'task.succeeded', data: { taskId, status: 'SUCCESS' } });
    // The callback is the task's, not part of the request that engines and clients see.
    expect(payload.data.request.callbackUrl).toBeUndefined();

    for (const [url, message] of [
      ['ftp://example.com/hook', 'must use http or https'],
      ['not a url', 'must be an absolute http or https URL'],
      [`https://example.com/${'a'.repeat(2100)}`, 'must be at most 2048 characters'],
      ['https://user:pw@example.com/', 'must not contain a user name or password'],
    ]) {
      const refused = await server.call('POST', '/video/generate', { prompt: 'x', callbackUrl: url });
      expect(refused.status).toBe(400);
      expect(refused.body.error.details).toEqual([{ path: 'callbackUrl', message }]);
    }
  });

  it('POSTs the OpenAI-shaped create’s callback_url; a bad one is an OpenAI 400 naming callback_url', async () => {
    const create = (body: Record<string, unknown>) =>
      fetch(`${server.url}/v1/videos`, {
        method: 'POST',
        headers: { authorization: `Bearer ${server.key}`, 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'test', prompt: 'test: steps=1', ...body }),
      });
    const response = await create({ callback_url: receiver.url('/openai') });
    const video = (await response.json()) as { id: string };
    expect(response.status, JSON.stringify(video)).toBe(200);
    const message = await until('the OpenAI callback', () => at('/openai')[0]);
    const { secret } = await admin((a) => a.webhooks.endpointSecret(server.endpointPath));
    expect(verified(secret, message)).toMatchObject({ type: 'task.succeeded', data: { taskId: video.id } });

    const bad = await create({ callback_url: 'gopher://example.com/' });
    expect(bad.status).toBe(400);
    const error = ((await bad.json()) as { error: { param: string } }).error;
    expect(error.param).toBe('callback_url');
  });

  it('retries 500s and redirects with backoff and records every attempt; a redirect is never followed', async () => {
    receiver.answer = (path, count) => {
      if (path === '/flaky') return { status: count <= 2 ? 500 : 200 };
      if (path === '/moved') return count <= 2 ? { status: 302, headers: { location: '/elsewhere' } } : { status: 204 };
      return { status: 204 };
    };
    const flaky = await subscribe('/flaky', ['task.succeeded']);
    const moved = await subscribe('/moved', ['task.succeeded']);
    const taskId = await submit('test: steps=1');
    const deliveries = await until('both delivered', async () => {
      const list = await deliveriesOf({ taskId });
      return list.length === 2 && list.every((d) => d.status === 'delivered') ? list : undefined;
    });
    const bySubscription = (id: string) => deliveries.find((d) => d.subscriptionId === id)!;
    const flakyLog = bySubscription(flaky.subscription.id).attemptLog;
    expect(flakyLog.map((a) => [a.attempt, a.statusCode, a.error])).toEqual([
      [1, 500, 'HTTP 500'],
      [2, 500, 'HTTP 500'],
      [3, 200, null],
    ]);
    // Backoff: the second retry waited at least half of 2 × base after the first.
    expect(flakyLog[2]!.startedAt - flakyLog[1]!.startedAt).toBeGreaterThanOrEqual(100);
    const movedLog = bySubscription(moved.subscription.id).attemptLog;
    expect(movedLog.map((a) => [a.statusCode, a.error])).toEqual([
      [302, 'HTTP 302: redirects are not followed'],
      [302, 'HTTP 302: redirects are not followed'],
      [204, null],
    ]);
    expect(at('/elsewhere')).toEqual([]);
    for (const s of [flaky, moved]) await admin((a) => a.webhooks.deleteSubscription(s.subscription.id));
    receiver.answer = () => ({ status: 204 });
  });

  it('never contacts a forbidden address, records the refusal, and keeps the API fast meanwhile', async () => {
    const refusedLocal = await admin((a) =>
      a.webhooks.createSubscription({
        endpoint: server.endpointPath,
        url: `http://127.0.0.1:${forbiddenPort}/hook`,
        events: ['task.succeeded'],
      }),
    );
    const metadata = await admin((a) =>
      a.webhooks.createSubscription({
        endpoint: server.endpointPath,
        url: 'http://169.254.169.254/latest/meta-data/',
        events: ['task.succeeded'],
      }),
    );
    const slow = await subscribe('/slow', ['task.succeeded']);
    receiver.answer = (path) => (path === '/slow' ? { status: 200, delayMs: 5_000 } : { status: 204 });
    const taskId = await submit('test: steps=1');
    await pollTask(server, taskId);
    const refusals = await until('refusals recorded', async () => {
      const list = await deliveriesOf({ taskId });
      const tried = list.filter((d) => d.subscriptionId !== slow.subscription.id && d.attempts >= 2);
      return tried.length === 2 ? tried : undefined;
    });
    for (const delivery of refusals) {
      expect(delivery.status).toBe('pending');
      expect(delivery.lastError).toMatch(/^refused: /);
      expect(delivery.attemptLog.every((a) => a.statusCode === null && /^refused: /.test(a.error ?? ''))).toBe(true);
    }
    expect(forbiddenConnections).toBe(0);

    // While the slow receiver holds its attempt, submits and polls answer at once.
    const started = performance.now();
    for (let i = 0; i < 5; i++) await server.call('GET', `/video/tasks/${taskId}`);
    expect(performance.now() - started).toBeLessThan(1_000);
    const timedOut = await until('the slow attempt timed out', async () => {
      const [delivery] = await deliveriesOf({ subscriptionId: slow.subscription.id });
      return delivery && delivery.attempts >= 1 ? delivery : undefined;
    });
    expect(timedOut.attemptLog[0]).toMatchObject({ statusCode: null, error: 'no answer within 1000 ms' });
    expect(timedOut.attemptLog[0]!.durationMs).toBeLessThan(2_000);
    for (const s of [refusedLocal, metadata, slow])
      await admin((a) => a.webhooks.deleteSubscription(s.subscription.id));
    receiver.answer = () => ({ status: 204 });
  });

  it('a receiver down for a while gets every event once it is up again (dedupe by webhook-id)', async () => {
    const subscription = await subscribe('/outage', ['task.succeeded']);
    await receiver.close();
    const tasks = await Promise.all(Array.from({ length: 6 }, (_, i) => submit(`test: steps=1 n=${i}`)));
    // Every delivery fails at least twice while the receiver is down.
    await until('failed attempts', async () => {
      const list = await deliveriesOf({ subscriptionId: subscription.subscription.id });
      return list.length === 6 && list.every((d) => d.attempts >= 2 && d.status === 'pending') ? true : undefined;
    });
    const before = receiver.received.length;
    await receiver.reopen();
    const list = await until('all delivered', async () => {
      const got = await deliveriesOf({ subscriptionId: subscription.subscription.id });
      return got.every((d) => d.status === 'delivered') ? got : undefined;
    });
    const arrived = receiver.received.slice(before).filter((m) => m.path === '/outage');
    const ids = new Set(arrived.map((m) => m.headers['webhook-id']));
    expect([...ids].sort()).toEqual(list.map((d) => d.eventId).sort());
    const taskIds = arrived.map((m) => verified(subscription.secret, m).data.taskId);
    expect(new Set(taskIds)).toEqual(new Set(tasks));
    expect(list.every((d) => d.attemptLog.at(-1)!.statusCode === 204)).toBe(true);
    await admin((a) => a.webhooks.deleteSubscription(subscription.subscription.id));
  });

  it('redeliver sends a delivered event again with the same webhook-id', async () => {
    const subscription = await subscribe('/replay', ['task.succeeded']);
    const taskId = await submit('test: steps=1');
    const first = await until('first delivery', () => at('/replay')[0]);
    const mine = { subscriptionId: subscription.subscription.id };
    const [delivery] = await until('delivered', async () => {
      const list = await deliveriesOf(mine);
      return list[0]?.status === 'delivered' ? list : undefined;
    });
    const again = await admin((a) => a.webhooks.redeliver(delivery!.id));
    expect(again.status).toBe('pending');
    const second = await until('the redelivery', () => at('/replay')[1]);
    expect(second.headers['webhook-id']).toBe(first.headers['webhook-id']);
    expect(verified(subscription.secret, second).data.taskId).toBe(taskId);
    const [done] = await until('delivered again', async () => {
      const list = await deliveriesOf(mine);
      return list[0]?.status === 'delivered' && list[0].attempts === 2 ? list : undefined;
    });
    expect(done!.attemptLog).toHaveLength(2);
  });
});
