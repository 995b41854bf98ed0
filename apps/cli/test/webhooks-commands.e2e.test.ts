/**
 * `vidforge webhooks …` as a child process against a running test server's data directory: a
 * subscription created with its secret shown once, a real delivery to a loopback receiver listed
 * with its attempts and queued again, the endpoint's callback secret, and usage errors that say
 * what was meant.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { startTestServer, type TestServer } from '@vidforge/server/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { baseEnv, runCli } from './support/run-cli.ts';

let server: TestServer;
let receiver: Server;
let port = 0;
const received: string[] = [];

beforeAll(async () => {
  receiver = createServer((request, response) => {
    received.push(String(request.headers['webhook-id']));
    request.resume();
    request.on('end', () => response.writeHead(204).end());
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  port = (receiver.address() as AddressInfo).port;
  server = await startTestServer({
    env: { VIDFORGE_FETCH_ALLOW: `127.0.0.1:${port}`, VIDFORGE_WEBHOOK_POLL_INTERVAL_MS: '100' },
  });
});

afterAll(async () => {
  await server?.stop();
  await new Promise((resolve) => receiver?.close(resolve));
});

const vidforge = (args: string[]) =>
  runCli(['webhooks', ...args], {
    env: { ...baseEnv(server.dataDir), VIDFORGE_DATA_DIR: server.dataDir, VIDFORGE_ENABLE_TEST_ENGINE: 'true' },
  });

async function until<T>(check: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe('vidforge webhooks', () => {
  it('creates, lists, shows deliveries with attempts, redelivers and deletes', async () => {
    const created = await vidforge([
      'create',
      '--endpoint',
      server.endpointPath,
      '--url',
      `http://127.0.0.1:${port}/hook`,
      '--events',
      'task.succeeded,task.started',
      '--json',
    ]);
    expect(created.code, created.stderr).toBe(0);
    const subscription = JSON.parse(created.stdout);
    expect(subscription).toMatchObject({
      endpointPath: server.endpointPath,
      url: `http://127.0.0.1:${port}/hook`,
      events: ['task.succeeded', 'task.started'],
    });
    expect(subscription.id).toMatch(/^whs_/);
    expect(subscription.secret).toMatch(/^whsec_/);

    const human = await vidforge(['create', '--endpoint', server.endpointPath, '--url', 'https://example.com/x']);
    expect(human.code).toBe(0);
    expect(human.stdout).toMatch(/Signing secret \(Standard Webhooks\):\n\n {2}whsec_\S+\n\nShown once/);
    expect(human.stdout).toMatch(/events: task\.succeeded, task\.failed, task\.cancelled/);

    const listed = JSON.parse((await vidforge(['list', '--json'])).stdout);
    expect(listed).toHaveLength(2);
    expect(listed.every((s: Record<string, unknown>) => !('secret' in s))).toBe(true);
    expect((await vidforge(['list'])).stdout).toMatch(/^ID\s+ENDPOINT\s+URL\s+EVENTS\s+CREATED/);

    const submitted = await server.call('POST', '/video/generate', { prompt: 'test: steps=1' });
    const taskId = submitted.body.taskId as string;
    const deliveries = await until(async () => {
      const list = JSON.parse((await vidforge(['deliveries', '--subscription', subscription.id, '--json'])).stdout);
      return list.length === 2 && list.every((d: { status: string }) => d.status === 'delivered') ? list : undefined;
    });
    expect(deliveries.map((d: { eventType: string }) => d.eventType).sort()).toEqual([
      'task.started',
      'task.succeeded',
    ]);
    expect(deliveries[0].attemptLog).toEqual([expect.objectContaining({ attempt: 1, statusCode: 204, error: null })]);
    const table = (await vidforge(['deliveries', '--task', taskId])).stdout;
    expect(table).toMatch(/^ID\s+EVENT\s+TASK\s+TO\s+STATUS\s+ATTEMPTS\s+LAST\s+NEXT\s+CREATED/);
    expect(table).toMatch(/task\.succeeded\s+\S+\s+whs_\S+\s+delivered\s+1\s+HTTP 204/);

    const succeeded = deliveries.find((d: { eventType: string }) => d.eventType === 'task.succeeded');
    const before = received.filter((id) => id === succeeded.eventId).length;
    const again = await vidforge(['redeliver', succeeded.id]);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toBe(
      `Delivery ${succeeded.id} (task.succeeded, webhook-id ${succeeded.eventId}) queued again\n`,
    );
    await until(async () => (received.filter((id) => id === succeeded.eventId).length > before ? true : undefined));

    const deleted = await vidforge(['delete', subscription.id]);
    expect(deleted.stdout).toMatch(/^Deleted webhook subscription whs_/);
    expect((await vidforge(['delete', subscription.id])).code).toBe(1);
    expect((await vidforge(['redeliver', 'whd_nope'])).stderr).toMatch(/No webhook delivery with id "whd_nope"/);
  });

  it('prints the endpoint’s callback secret, the same every time', async () => {
    const first = await vidforge(['secret', '--endpoint', server.endpointPath]);
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toMatch(/^whsec_[A-Za-z0-9+/=]+\n$/);
    const json = JSON.parse((await vidforge(['secret', '--endpoint', server.endpointPath, '--json'])).stdout);
    expect(json.secret).toBe(first.stdout.trim());
    expect((await vidforge(['secret', '--endpoint', 'nope-endpoint'])).stderr).toMatch(/No endpoint/);
  });

  it('refuses bad input with a clear message and suggests what was meant', async () => {
    const badUrl = await vidforge(['create', '--endpoint', server.endpointPath, '--url', 'ftp://example.com/']);
    expect(badUrl.code).toBe(1);
    expect(badUrl.stderr).toMatch(/--url: must use http or https/);
    const badEvent = await vidforge([
      'create',
      '--endpoint',
      server.endpointPath,
      '--url',
      'https://example.com/',
      '--events',
      'task.done',
    ]);
    expect(badEvent.code).toBe(1);
    expect(badEvent.stderr).toMatch(/Unknown event task\.done; known events: task\.succeeded/);
    const missing = await vidforge(['create', '--url', 'https://example.com/']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/needs --endpoint ENDPOINT and --url URL/);
    const typo = await vidforge(['delivries']);
    expect(typo.code).toBe(2);
    expect(typo.stderr).toMatch(/unknown webhooks command "delivries"; did you mean deliveries\?/);
    const flag = await vidforge(['list', '--jsno']);
    expect(flag.stderr).toMatch(/did you mean --json\?/);
    const help = await runCli(['webhooks', '--help'], { env: baseEnv(server.dataDir) });
    expect(help.stdout).toMatch(/^vidforge webhooks create --endpoint ENDPOINT --url URL/);
  });
});
