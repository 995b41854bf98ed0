/**
 * kill -9 of the server between a task's state change and its webhook's delivery loses no event:
 * the outbox row committed with the state change, so the restarted server delivers it. One receiver
 * is down when the tasks finish (every attempt fails, then the process dies); the other holds the
 * attempt open when the process dies (its lease must run out before another attempt).
 */
import { afterAll, describe, expect, it } from 'vitest';
import { openAdmin } from '../../src/admin/index.ts';
import { loadConfig } from '../../src/config/load-config.ts';
import { tempDir } from '../support/index.ts';
import { startReceiver, until, verified } from '../webhooks/receiver.ts';
import { prepareTestAccess, seedApi, spawnServer } from './child-server.ts';

const cleanups: (() => Promise<unknown>)[] = [];
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

describe('webhooks across kill -9', () => {
  it('delivers every event after a SIGKILL and restart, at least once, deduplicable by webhook-id', async () => {
    const dir = await tempDir();
    cleanups.push(() => dir.remove());
    const { endpointPath, key } = prepareTestAccess(dir.path);
    const down = await startReceiver();
    const hanging = await startReceiver();
    cleanups.push(
      () => down.close().catch(() => {}),
      () => hanging.close(),
    );
    hanging.answer = () => ({ status: 204, delayMs: 60_000 });
    await down.close();

    const config = loadConfig({ env: { VIDFORGE_DATA_DIR: dir.path, VIDFORGE_ENABLE_TEST_ENGINE: 'true' } });
    const handle = await openAdmin(config);
    const downSub = await handle.admin.webhooks.createSubscription({ endpoint: endpointPath, url: down.url('/down') });
    const hangSub = await handle.admin.webhooks.createSubscription({
      endpoint: endpointPath,
      url: hanging.url('/hang'),
    });
    await handle.close();

    const env = {
      VIDFORGE_DATA_DIR: dir.path,
      VIDFORGE_FETCH_ALLOW: `127.0.0.1:${down.port},127.0.0.1:${hanging.port}`,
      VIDFORGE_WEBHOOK_RETRY_BASE_MS: '200',
      VIDFORGE_WEBHOOK_RETRY_MAX_MS: '500',
      VIDFORGE_WEBHOOK_TIMEOUT_MS: '1000',
      VIDFORGE_WEBHOOK_POLL_INTERVAL_MS: '200',
    };
    const first = await spawnServer(env);
    const api = seedApi(first.url, endpointPath, key);
    const tasks: string[] = [];
    for (let i = 0; i < 3; i++) {
      tasks.push((await api.call('generate', { prompt: `test: steps=1 n=${i}` })).taskId as string);
    }
    for (const id of tasks) await api.until(id, ['SUCCESS']);
    // Every event's attempt is in flight at the hanging receiver when the process dies.
    await until('attempts in flight', () => (hanging.received.length >= tasks.length ? true : undefined), 30_000);
    first.child.kill('SIGKILL');
    await first.exited;
    expect(down.received).toEqual([]);

    await down.reopen();
    hanging.answer = () => ({ status: 204 });
    const second = await spawnServer(env);
    cleanups.push(async () => {
      second.child.kill('SIGTERM');
      await second.exited;
    });
    const expectEvery = async (receiver: typeof down, path: string, secret: string) => {
      const messages = await until(
        `every event at ${path}`,
        () => {
          const got = receiver.received.filter((m) => m.path === path && verified(secret, m).type === 'task.succeeded');
          return new Set(got.map((m) => verified(secret, m).data.taskId)).size === tasks.length ? got : undefined;
        },
        30_000,
      );
      return messages;
    };
    const atDown = await expectEvery(down, '/down', downSub.secret);
    // The hanging receiver recorded each event before the kill; the restarted server sends each
    // again once the dead attempt's lease has run out: wait for that second copy of every event.
    await until(
      'every event at /hang again after the restart',
      () => {
        const perTask = new Map<string, number>();
        for (const m of hanging.received.filter((m) => m.path === '/hang')) {
          const taskId = verified(hangSub.secret, m).data.taskId as string;
          perTask.set(taskId, (perTask.get(taskId) ?? 0) + 1);
        }
        return tasks.every((id) => (perTask.get(id) ?? 0) >= 2) ? true : undefined;
      },
      30_000,
    );
    const atHang = await expectEvery(hanging, '/hang', hangSub.secret);
    // At least once: the hanging receiver saw each event twice (before and after the kill), one webhook-id each.
    const idsPerTask = new Map<string, Set<string>>();
    for (const m of atHang) {
      const taskId = verified(hangSub.secret, m).data.taskId as string;
      idsPerTask.set(taskId, (idsPerTask.get(taskId) ?? new Set()).add(String(m.headers['webhook-id'])));
    }
    expect([...idsPerTask.values()].every((ids) => ids.size === 1)).toBe(true);
    expect(hanging.received.length).toBeGreaterThan(tasks.length);
    // One event per task, whichever receiver: the same webhook-id at both.
    const idOf = (m: (typeof atDown)[number], secret: string) =>
      [verified(secret, m).data.taskId, m.headers['webhook-id']].join(' ');
    expect(new Set(atDown.map((m) => idOf(m, downSub.secret)))).toEqual(
      new Set(atHang.map((m) => idOf(m, hangSub.secret))),
    );
  }, 90_000);
});
