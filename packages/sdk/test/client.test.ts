/** Every client method against a real server (SQLite, workers, the deterministic `test` engine). */
import { ConflictError, type Task, TaskFailedError, type Vidforge } from '@vidforge/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FAST_POLL, type SdkServer, slowPrompt, startSdkServer } from './support/sdk-server.ts';

let env: SdkServer;
let client: Vidforge;

beforeAll(async () => {
  env = await startSdkServer();
  client = env.client();
});
afterAll(() => env.stop());

const SOURCE_VIDEO = 'https://example.com/source.mp4';

describe('submitting', () => {
  it('generate takes every documented field and returns a task id', async () => {
    const { taskId } = await client.generate({
      prompt: 'A sunset over the ocean',
      negativePrompt: 'dark, gloomy',
      config: { sourceImage: 'https://example.com/first-frame.jpg' },
      settings: { seed: 42, duration: 4, aspectRatio: '9:16' },
    });
    const task = await client.getTask(taskId);
    expect(task).toMatchObject({ taskId, type: 'generate', seed: 42 });
    expect(['PENDING', 'IN_PROGRESS', 'SUCCESS']).toContain(task.status);
  });

  it('upscale and extend create tasks of their type', async () => {
    const up = await client.upscale({ config: { sourceVideo: SOURCE_VIDEO } });
    const ext = await client.extend({
      prompt: 'keep going',
      config: { sourceVideo: SOURCE_VIDEO, extendDuration: 2 },
      settings: { guidanceScale: 9 },
    });
    expect((await client.getTask(up.taskId)).type).toBe('upscale');
    expect((await client.getTask(ext.taskId)).type).toBe('extend');
  });

  it('sends an Idempotency-Key the caller can reuse to get the same task back', async () => {
    const body = { prompt: 'same request twice' };
    const first = await client.generate(body, { idempotencyKey: 'client-test-key-1' });
    const again = await client.generate(body, { idempotencyKey: 'client-test-key-1' });
    const other = await client.generate(body);
    expect(again.taskId).toBe(first.taskId);
    expect(other.taskId).not.toBe(first.taskId);
  });
});

describe('waiting', () => {
  it('waitForTask reports rising progress and resolves with the successful task', async () => {
    const { taskId } = await client.generate({ prompt: slowPrompt(5, 60) });
    const seen: Task[] = [];
    const task = await client.waitForTask(taskId, { ...FAST_POLL, onProgress: (t) => seen.push(t) });
    expect(task).toMatchObject({ taskId, status: 'SUCCESS', progress: 1 });
    expect(task.mediaUrl).toMatch(/^http/);
    expect(task.video).toMatchObject({ fps: 24 });
    const progress = seen.map((t) => t.progress);
    expect(progress).toEqual([...progress].sort((a, b) => a - b));
    expect(new Set(progress.filter((p) => p > 0 && p < 1)).size).toBeGreaterThanOrEqual(2);
    // Reported on change only: never the same (status, progress, place in line) twice in a row.
    const state = (t: Task) => [t.status, t.progress, t.queue];
    for (let i = 1; i < seen.length; i++) expect(state(seen[i]!)).not.toEqual(state(seen[i - 1]!));
  });

  it('generateAndWait, upscaleAndWait and extendAndWait resolve with SUCCESS tasks', async () => {
    const [gen, up, ext] = await Promise.all([
      client.generateAndWait({ prompt: 'a quick one' }, FAST_POLL),
      client.upscaleAndWait({ config: { sourceVideo: SOURCE_VIDEO } }, FAST_POLL),
      client.extendAndWait({ config: { sourceVideo: SOURCE_VIDEO } }, FAST_POLL),
    ]);
    expect([gen.type, up.type, ext.type]).toEqual(['generate', 'upscale', 'extend']);
    expect([gen.status, up.status, ext.status]).toEqual(['SUCCESS', 'SUCCESS', 'SUCCESS']);
  });

  it('rejects with TaskFailedError carrying the task error code', async () => {
    const prompt = 'test: failAttempts=9 retryable=false failCode=SOURCE_INVALID';
    const error = await client.generateAndWait({ prompt }, FAST_POLL).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TaskFailedError);
    const failed = error as TaskFailedError;
    expect(failed.code).toBe('SOURCE_INVALID');
    expect(failed.task.status).toBe('FAIL');
    expect(failed.taskId).toBe(failed.task.taskId);
    expect(failed.status).toBe(200);
    expect(failed.requestId).toBeTruthy();
  });
});

describe('cancelling', () => {
  it('cancels a running task, is repeatable, and refuses a finished one', async () => {
    const { taskId } = await client.generate({ prompt: slowPrompt(50, 100) });
    const cancelled = await client.cancelTask(taskId);
    expect(cancelled).toMatchObject({ taskId, status: 'FAIL', error: { code: 'CANCELLED' } });
    expect((await client.cancelTask(taskId)).status).toBe('FAIL');

    const done = await client.generateAndWait({ prompt: 'finish first' }, FAST_POLL);
    const error = await client.cancelTask(done.taskId).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConflictError);
    expect(error).toMatchObject({ status: 409, code: 'TASK_NOT_CANCELLABLE' });
  });
});

describe('listing', () => {
  it('iterates pages and tasks, newest first, with a status filter', async () => {
    const fresh = await startSdkServer();
    try {
      const c = fresh.client();
      const ids: string[] = [];
      for (let i = 0; i < 5; i++) ids.push((await c.generate({ prompt: `task ${i}` })).taskId);
      const pages = [];
      for await (const page of c.listTasks({ limit: 2 }).pages()) pages.push(page);
      expect(pages.map((p) => p.tasks.length)).toEqual([2, 2, 1]);
      expect(pages.at(-1)!.nextCursor).toBeNull();

      const all: string[] = [];
      for await (const task of c.listTasks({ limit: 2 })) all.push(task.taskId);
      expect(all).toEqual([...ids].reverse());

      await c.waitForTask(ids[0]!, FAST_POLL);
      await c.cancelTask(ids[4]!).catch(() => {});
      const failed = await c.listTasksPage({ status: 'FAIL' });
      expect(failed.tasks.every((t) => t.status === 'FAIL')).toBe(true);
    } finally {
      await fresh.stop();
    }
  });
});
