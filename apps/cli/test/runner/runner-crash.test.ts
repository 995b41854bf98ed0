/**
 * A runner killed with SIGKILL mid-task: nothing tells the server, so the lease (1.5 s here)
 * expires, the reaper counts the attempt as failed and puts the task back, and a runner started
 * afterwards finishes it as attempt 2.
 */
import { addRunner, addRunnerEndpoint, startTestServer, type TestServer } from '@vidforge/server/testing';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { admin, clientOf, eventually, killAll, spawnRunner, tempDir } from './support.ts';

let server: TestServer;
let work: { path: string; remove(): Promise<void> };
beforeAll(async () => {
  server = await startTestServer({ env: { VIDFORGE_LEASE_MS: '1500' } });
  // A SIGKILLed runner cannot clean up after itself: its work directory lives where the test removes it.
  work = await tempDir('vidforge-runner-crash-');
});
afterEach(killAll);
afterAll(async () => {
  await server?.stop();
  await work?.remove();
});

interface Listed {
  id: string;
  lastSeenAt: number | null;
  running: { taskId: string; attempt: number; progress: number }[];
}

describe('vidforge runner killed with SIGKILL', () => {
  it('loses the task when its lease expires; another runner finishes it as attempt 2', async () => {
    const endpointPath = await addRunnerEndpoint(server, 'crash');
    // One token, concurrency 1: the second runner is refused (429) until the dead one's lease is reaped.
    const { token, id } = await addRunner(server, { engines: ['crash'], concurrency: 1 });
    const client = clientOf(server, endpointPath);
    const { taskId } = await client.generate({
      prompt: 'A kite that falls',
      settings: { seed: 5, duration: 4, aspectRatio: '1:1' },
    });

    const doomed = spawnRunner(server, token, ['--engines', 'crash', '--work-dir', work.path]);
    await doomed.waitFor(new RegExp(`task ${taskId} claimed: generate for crash, attempt 1`));
    const reported = await eventually(async () => {
      const task = await client.getTask(taskId);
      return task.progress > 0 ? task.progress : undefined;
    });
    doomed.child.kill('SIGKILL');
    expect((await doomed.exited).signal).toBe('SIGKILL');

    const rescuer = spawnRunner(server, token, ['--engines', 'crash']);
    await rescuer.waitFor(new RegExp(`task ${taskId} claimed: generate for crash, attempt 2`));
    const listed = await eventually(async () => {
      const { stdout } = await admin(server, ['runners', 'list', '--json']);
      const runner = (JSON.parse(stdout) as Listed[]).find((r) => r.id === id)!;
      return runner.running[0]?.attempt === 2 ? runner : undefined;
    });
    expect(listed.running).toEqual([expect.objectContaining({ taskId, attempt: 2 })]);
    expect(listed.lastSeenAt).toBeGreaterThan(Date.now() - 10_000);

    const done = await eventually(async () => {
      const task = await client.getTask(taskId);
      // Progress never went back below what the dead runner had reported.
      expect(task.progress).toBeGreaterThanOrEqual(reported);
      return task.status === 'SUCCESS' || task.status === 'FAIL' ? task : undefined;
    }, 30_000);
    expect(done).toMatchObject({ status: 'SUCCESS', progress: 1, seed: 5 });
    expect(done.video).toEqual({ width: 720, height: 720, fps: 24, durationSeconds: 4, hasAudio: false });
    await rescuer.waitFor(new RegExp(`task ${taskId} succeeded`));
    rescuer.child.kill('SIGTERM');
    expect((await rescuer.exited).code).toBe(0);
  });
});
