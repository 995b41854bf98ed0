/**
 * End to end through real processes: an API client (the SDK) → the server → `vidforge runner` in a
 * child process. Progress rises as the runner reports it, the result is the in-process engine's,
 * a SIGTERM gives the task back at once, a cancel stops the runner's work on it.
 * The lease is long here (30 s), so "at once" cannot be the reaper.
 */
import { createHash } from 'node:crypto';
import type { Task, Vidforge } from '@vidforge/sdk';
import { addRunner, addRunnerEndpoint, startTestServer, type TestServer } from '@vidforge/server/testing';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { admin, clientOf, eventually, killAll, spawnRunner } from './support.ts';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({ env: { VIDFORGE_LEASE_MS: '30000' } });
});
afterEach(killAll);
afterAll(async () => {
  await server?.stop();
});

/** An endpoint for its own family, and a runner token for it: tests never take each other's tasks. */
async function setup(family: string): Promise<{ client: Vidforge; token: string; runnerId: string }> {
  const endpointPath = await addRunnerEndpoint(server, family);
  const { token, id } = await addRunner(server, { name: family, engines: [family] });
  return { client: clientOf(server, endpointPath), token, runnerId: id };
}

/** Polls the task every 50 ms until `done`; returns every state seen. */
async function follow(
  client: Vidforge,
  taskId: string,
  done = (t: Task) => t.status === 'SUCCESS' || t.status === 'FAIL',
) {
  const seen: Task[] = [];
  await eventually(async () => {
    const task = await client.getTask(taskId);
    seen.push(task);
    return done(task) ? task : undefined;
  }, 45_000);
  return seen;
}

async function sha256(url: string): Promise<string> {
  const response = await fetch(url);
  expect(response.status).toBe(200);
  return createHash('sha256')
    .update(Buffer.from(await response.arrayBuffer()))
    .digest('hex');
}

const runningOn = async (runnerId: string) => {
  const { stdout } = await admin(server, ['runners', 'list', '--json']);
  return (
    JSON.parse(stdout) as { id: string; running: { taskId: string; progress: number; stage: string | null }[] }[]
  ).find((r) => r.id === runnerId)!.running;
};

const REQUEST = { prompt: 'A paper boat on a stream', settings: { seed: 4242, duration: 8 as const } };

describe('vidforge runner, end to end', () => {
  it('API client → server → runner process → SUCCESS, with progress rising as the runner reports it', async () => {
    const { client, token, runnerId } = await setup('e2e');
    const { taskId } = await client.generate(REQUEST);
    const runner = spawnRunner(server, token, ['--engines', 'e2e']);
    await runner.waitFor(new RegExp(`task ${taskId} claimed: generate for e2e, attempt 1`));
    // Liveness and load, as the operator sees them while it runs.
    const running = await eventually(async () => {
      const list = await runningOn(runnerId);
      return list[0] && list[0].progress > 0 ? list : undefined;
    });
    expect(running).toEqual([expect.objectContaining({ taskId, stage: expect.any(String) })]);

    const seen = await follow(client, taskId);
    const task = seen.at(-1)!;
    expect(task).toMatchObject({ status: 'SUCCESS', progress: 1, seed: 4242 });
    const progress = seen.filter((t) => t.status === 'IN_PROGRESS').map((t) => t.progress);
    const distinct = [...new Set(progress)].filter((p) => p > 0 && p < 1);
    expect(distinct.length).toBeGreaterThanOrEqual(3);
    expect([...progress].sort((a, b) => a - b)).toEqual(progress);
    expect(task.video).toEqual({ width: 1280, height: 720, fps: 24, durationSeconds: 8, hasAudio: false });
    await runner.waitFor(new RegExp(`task ${taskId} succeeded`));
    expect(runner.log()).toMatch(new RegExp(`task ${taskId} uploaded: \\d+ bytes, 1280x720, 8 s`));
    expect(await runningOn(runnerId)).toEqual([]);

    runner.child.kill('SIGTERM');
    expect((await runner.exited).code).toBe(0);
  });

  it('gives the same video as the in-process engine for the same request', async () => {
    const { client, token } = await setup('same');
    const request = {
      prompt: 'A lighthouse at dusk',
      settings: { seed: 99, duration: 2 as const, aspectRatio: '1:1' as const },
    };
    const inProcess = clientOf(server, server.previewEndpointPath);
    const [{ taskId }, { taskId: localId }] = await Promise.all([
      client.generate(request),
      inProcess.generate(request),
    ]);
    const runner = spawnRunner(server, token, ['--engines', 'same']);
    const [remote, local] = await Promise.all([follow(client, taskId), follow(inProcess, localId)]);
    expect(remote.at(-1)).toMatchObject({ status: 'SUCCESS', seed: 99 });
    expect(local.at(-1)).toMatchObject({ status: 'SUCCESS', seed: 99 });
    expect(remote.at(-1)!.video).toEqual({ width: 720, height: 720, fps: 24, durationSeconds: 2, hasAudio: false });
    expect(remote.at(-1)!.video).toEqual(local.at(-1)!.video);
    // The preview engine is byte-for-byte reproducible (fixed x264 threads, bitexact flags), and the
    // runner uses the same default VIDFORGE_FFMPEG_THREADS as the server: the same bytes.
    expect(await sha256(remote.at(-1)!.mediaUrl!)).toBe(await sha256(local.at(-1)!.mediaUrl!));
    runner.child.kill('SIGTERM');
    await runner.exited;
  });

  it('SIGTERM mid-task gives the task back at once (PENDING, not after the 30 s lease); another runner finishes it', async () => {
    const { client, token } = await setup('term');
    const { taskId } = await client.generate({ prompt: 'Given back', settings: { duration: 4, aspectRatio: '1:1' } });
    const first = spawnRunner(server, token, ['--engines', 'term', '--grace', '0']);
    await first.waitFor(/rendering the scene/);
    await follow(client, taskId, (t) => t.progress > 0);
    const stoppedAt = Date.now();
    first.child.kill('SIGTERM');
    expect(await first.exited).toEqual({ code: 0, signal: null });
    expect(first.log()).toContain(`task ${taskId} given back to the queue (runner stopping)`);
    const back = await client.getTask(taskId);
    expect(back.status).toBe('PENDING');
    expect(Date.now() - stoppedAt).toBeLessThan(10_000);

    const second = spawnRunner(server, token, ['--engines', 'term']);
    // The give-back did not count as an attempt.
    await second.waitFor(new RegExp(`task ${taskId} claimed: generate for term, attempt 1`));
    expect((await follow(client, taskId)).at(-1)!.status).toBe('SUCCESS');
    second.child.kill('SIGINT');
    expect((await second.exited).code).toBe(130);
  });

  it('a cancel by the client stops the runner working on the task quickly; the runner goes on with the next', async () => {
    const { client, token, runnerId } = await setup('cancel');
    const { taskId } = await client.generate(REQUEST);
    const runner = spawnRunner(server, token, ['--engines', 'cancel']);
    await follow(client, taskId, (t) => t.progress > 0.05);
    const cancelledAt = Date.now();
    await client.cancelTask(taskId);
    await runner.waitFor(new RegExp(`task ${taskId} cancelled on the server`), 5_000);
    expect(Date.now() - cancelledAt).toBeLessThan(3_000);
    expect(await eventually(async () => ((await runningOn(runnerId)).length === 0 ? true : undefined), 3_000)).toBe(
      true,
    );
    const after = runner.log().slice(runner.log().indexOf('cancelled on the server'));
    expect(after).not.toMatch(new RegExp(`task ${taskId} (uploaded|succeeded|failed)`));
    expect((await client.getTask(taskId)).error?.code).toBe('CANCELLED');

    const next = await client.generate({ prompt: 'After the cancel', settings: { duration: 2, aspectRatio: '1:1' } });
    expect((await follow(client, next.taskId)).at(-1)!.status).toBe('SUCCESS');
    runner.child.kill('SIGTERM');
    expect((await runner.exited).code).toBe(0);
  });
});
