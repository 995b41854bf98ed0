/**
 * 1,000 live-progress streams open on one server process (`vidforge serve`, a child process, so
 * its memory is its own): every stream gets its task's final event. The server's resident memory
 * before and after opening them is printed (docs/performance.md records the figure); the test
 * asserts only delivery, never the number, which moves with the machine.
 */
import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { tempDir } from '../support/index.ts';
import { openSse, type SseStream } from '../support/sse.ts';
import { type ChildServer, prepareTestAccess, seedApi, spawnServer } from './child-server.ts';

const TASKS = 100;
const STREAMS_PER_TASK = 10;

let server: ChildServer;
let access: { endpointPath: string; key: string };
let dir: { path: string; remove(): Promise<void> };

beforeAll(async () => {
  dir = await tempDir();
  access = prepareTestAccess(dir.path);
  server = await spawnServer({
    VIDFORGE_DATA_DIR: dir.path,
    // Nothing runs the tasks: they wait PENDING until cancelled, so every stream stays open.
    VIDFORGE_WORKERS: '0',
    VIDFORGE_MAX_PENDING_PER_ENGINE: '0',
    VIDFORGE_MAX_CONNECTIONS: '4096',
    VIDFORGE_SSE_MAX_STREAMS: '5000',
    VIDFORGE_SSE_MAX_STREAMS_PER_KEY: '5000',
    VIDFORGE_LOG_LEVEL: 'warn',
  });
}, 60_000);

afterAll(async () => {
  if (server && server.child.exitCode === null) {
    server.child.kill('SIGTERM');
    await server.exited;
  }
  await dir?.remove();
});

async function rssKiB(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1]);
}

it('serves 1,000 open streams and delivers every final event', { timeout: 120_000 }, async () => {
  const api = seedApi(server.url, access.endpointPath, access.key);
  const ids: string[] = [];
  for (let i = 0; i < TASKS; i++) ids.push((await api.call('generate', { prompt: 'test: steps=1' })).taskId as string);
  const pid = server.child.pid!;
  await new Promise((r) => setTimeout(r, 1000));
  const before = await rssKiB(pid);

  const streams: SseStream[] = [];
  const url = (id: string) => `${server.url}/v1/ai/${access.endpointPath}/video/tasks/${id}/events`;
  for (let round = 0; round < STREAMS_PER_TASK; round++) {
    const opened = await Promise.all(ids.map((id) => openSse(url(id), { authorization: `Bearer ${access.key}` })));
    streams.push(...opened);
  }
  expect(streams.map((s) => s.status).filter((s) => s !== 200)).toEqual([]);
  // Each has its first event (the PENDING task) before the figure is taken.
  await Promise.all(streams.map((s) => s.until(() => true)));
  await new Promise((r) => setTimeout(r, 1000));
  const after = await rssKiB(pid);
  const perStream = ((after - before) * 1024) / streams.length;
  console.log(
    `SSE memory: ${streams.length} streams on ${TASKS} tasks: server RSS ${(before / 1024).toFixed(1)} MiB -> ` +
      `${(after / 1024).toFixed(1)} MiB, ${(perStream / 1024).toFixed(1)} KiB per stream`,
  );

  // Cancelling ends every task: each stream gets its final event, then the server closes it.
  await Promise.all(
    ids.map((id) =>
      fetch(`${server.url}/v1/ai/${access.endpointPath}/video/tasks/${id}`, {
        method: 'DELETE',
        headers: { authorization: `Bearer ${access.key}` },
      }),
    ),
  );
  await Promise.all(streams.map((s) => s.ended));
  const finals = streams.map((s) => s.events.at(-1));
  expect(finals.filter((e) => e?.event === 'done' && e.data.error?.code === 'CANCELLED')).toHaveLength(
    TASKS * STREAMS_PER_TASK,
  );
});
