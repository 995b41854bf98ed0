/**
 * The `queue` addition of a PENDING task, through the HTTP API of a real server with no workers (so
 * tasks stay PENDING): its place in its engine's queue, and for a runner endpoint how many runners
 * could take it, so a task that no runner serves does not wait silently.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  addRunner,
  addRunnerEndpoint,
  revokeRunner,
  runnerCall,
  startTestServer,
  type TestServer,
} from '../support/index.ts';

let server: TestServer;

beforeAll(async () => {
  server = await startTestServer({ env: { VIDFORGE_WORKERS: '0' } });
}, 60_000);
afterAll(async () => {
  await server?.stop();
});

const submit = async (endpointPath: string) => {
  const response = await server.call('POST', `${server.basePath}/${endpointPath}/video/generate`, { prompt: 'a fox' });
  expect(response.status, JSON.stringify(response.body)).toBe(200);
  return response.body.taskId as string;
};
const get = async (endpointPath: string, taskId: string) =>
  (await server.call('GET', `${server.basePath}/${endpointPath}/video/tasks/${taskId}`)).body;

describe('queue of a PENDING task', () => {
  it('counts the tasks ahead in the same engine; null once the task is no longer PENDING', async () => {
    const ep = server.previewEndpointPath;
    const ids = [await submit(ep), await submit(ep), await submit(ep)];
    const positions = await Promise.all(ids.map(async (id) => (await get(ep, id)).queue));
    expect(positions).toEqual(
      [1, 2, 3].map((position) => ({
        position,
        positionIsLowerBound: false,
        runnerFamily: null,
        runnersOnline: null,
      })),
    );
    // The list carries it too (the console reads the list).
    const list = (await server.call('GET', `${server.basePath}/${ep}/video/tasks?status=PENDING`)).body;
    expect(list.tasks.map((t: { queue: { position: number } }) => t.queue.position)).toEqual([3, 2, 1]);

    const cancelled = await server.call('DELETE', `${server.basePath}/${ep}/video/tasks/${ids[0]}`);
    expect(cancelled.body.status).toBe('FAIL');
    expect(cancelled.body.queue).toBeNull();
    expect((await get(ep, ids[1]!)).queue.position).toBe(1);
    expect((await get(ep, ids[2]!)).queue.position).toBe(2);
  });

  it('says how many runners allowed to serve the family and operation called recently', async () => {
    // Everything runners do comes before the first read: the runner list is cached for a moment.
    const served = await addRunnerEndpoint(server, 'qi-served');
    const online = await addRunner(server, { engines: ['qi-served'] });
    await addRunner(server, { engines: ['qi-served'] }); // allowed but never called: not online
    const revoked = await addRunner(server, { engines: ['qi-served'] });
    // A claim for another operation only: the runner called, and leaves the generate task queued.
    const call = (token: string) =>
      runnerCall(server, token, 'POST', '/claim', { body: { waitMs: 0, operations: ['upscale'] } });
    expect((await call(online.token)).status).toBe(200);
    expect((await call(revoked.token)).status).toBe(200);
    await revokeRunner(server, revoked.id);

    const unserved = await addRunnerEndpoint(server, 'qi-unserved');
    // Online and of the family, but not allowed to generate: it cannot take the task.
    const upscaler = await addRunner(server, { engines: ['qi-unserved'], operations: ['upscale'] });
    expect((await call(upscaler.token)).status).toBe(200);

    const servedTask = await get(served, await submit(served));
    expect(servedTask.queue).toEqual({
      position: 1,
      positionIsLowerBound: false,
      runnerFamily: 'qi-served',
      runnersOnline: 1,
    });
    const waiting = await get(unserved, await submit(unserved));
    expect(waiting.status).toBe('PENDING');
    expect(waiting.queue).toEqual({
      position: 1,
      positionIsLowerBound: false,
      runnerFamily: 'qi-unserved',
      runnersOnline: 0,
    });
  });
});
