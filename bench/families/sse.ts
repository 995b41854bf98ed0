/**
 * Live-progress fan-out (docs/performance.md, "Live progress"): many clients follow running tasks
 * whose progress moves, either over the events stream (Server-Sent Events) or by polling each task
 * every 250 ms (the stream watcher's tick), against one Vidforge server pinned to its core. The
 * server's CPU is counted over each round, less a round that runs the same tasks with nobody
 * following them (one task listing every 200 ms to see them end), so the rows are the cost of
 * keeping clients informed, not of running the tasks.
 */
import { type BenchContext, pick, scratchDir } from '../support/context.ts';
import { processCpu } from '../support/processes.ts';
import { startVidforge, type VidforgeServer } from '../support/servers.ts';
import type { Family, Row } from '../support/table.ts';

const POLL_MS = 250;
const STEP_MS = 100;

interface Round {
  cpuS: number;
  /** Task states the clients saw (events; or polls that showed a new status or progress). */
  updates: number;
  requests: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function submit(server: VidforgeServer, tasks: number, steps: number): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < tasks; i++) {
    const response = await fetch(`${server.testBase}/video/generate`, {
      method: 'POST',
      headers: { ...server.headers, 'content-type': 'application/json' },
      body: JSON.stringify({ prompt: `test: steps=${steps} stepMs=${STEP_MS} size=1024` }),
    });
    const body = (await response.json()) as { taskId?: string };
    if (!body.taskId) throw new Error(`sse family: submit failed (${response.status})`);
    ids.push(body.taskId);
  }
  return ids;
}

const finished = (status: string) => status === 'SUCCESS' || status === 'FAIL';

/** One client following one task over its events stream; the events it got. */
async function follow(server: VidforgeServer, taskId: string): Promise<number> {
  const response = await fetch(`${server.testBase}/video/tasks/${taskId}/events`, { headers: server.headers });
  if (response.status !== 200 || !response.body) throw new Error(`sse family: stream refused (${response.status})`);
  let events = 0;
  let text = '';
  const decoder = new TextDecoder();
  for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
    text += decoder.decode(chunk, { stream: true });
    const blocks = text.split('\n\n');
    text = blocks.pop() ?? '';
    for (const block of blocks) if (block.includes('\ndata: ')) events++;
  }
  return events;
}

/** One client polling one task until it ends; the changes it saw and the requests it made. */
async function poll(server: VidforgeServer, taskId: string): Promise<{ updates: number; requests: number }> {
  let last = '';
  let updates = 0;
  let requests = 0;
  for (;;) {
    const response = await fetch(`${server.testBase}/video/tasks/${taskId}`, { headers: server.headers });
    const task = (await response.json()) as { status: string; progress: number };
    requests++;
    const seen = `${task.status} ${task.progress}`;
    if (seen !== last) updates++;
    last = seen;
    if (finished(task.status)) return { updates, requests };
    await sleep(POLL_MS);
  }
}

async function waitAllFinished(server: VidforgeServer, ids: string[]): Promise<number> {
  let requests = 0;
  for (;;) {
    const response = await fetch(`${server.testBase}/video/tasks?limit=100`, { headers: server.headers });
    const { tasks } = (await response.json()) as { tasks: { taskId: string; status: string }[] };
    requests++;
    const done = new Set(tasks.filter((t) => finished(t.status)).map((t) => t.taskId));
    if (ids.every((id) => done.has(id))) return requests;
    await sleep(200);
  }
}

async function round(
  server: VidforgeServer,
  mode: 'none' | 'stream' | 'poll',
  tasks: number,
  clients: number,
  steps: number,
): Promise<Round> {
  const ids = await submit(server, tasks, steps);
  const cpu = processCpu([server.child.pid]);
  let updates = 0;
  let requests = 0;
  if (mode === 'none') requests = await waitAllFinished(server, ids);
  else if (mode === 'stream') {
    const counts = await Promise.all(ids.flatMap((id) => Array.from({ length: clients }, () => follow(server, id))));
    updates = counts.reduce((a, b) => a + b, 0);
    requests = counts.length;
  } else {
    const results = await Promise.all(ids.flatMap((id) => Array.from({ length: clients }, () => poll(server, id))));
    for (const r of results) {
      updates += r.updates;
      requests += r.requests;
    }
  }
  return { cpuS: cpu(), updates, requests };
}

export async function sseFamily(ctx: BenchContext): Promise<Family> {
  const tasks = pick(ctx, 10, 4);
  const clients = pick(ctx, 50, 10);
  const steps = pick(ctx, 20, 8);
  const dataDir = await scratchDir(ctx, 'sse');
  const server = await startVidforge(ctx, {
    dataDir,
    env: {
      VIDFORGE_WORKERS: String(tasks),
      VIDFORGE_PROGRESS_INTERVAL_MS: '50',
      VIDFORGE_MAX_CONNECTIONS: '8192',
      VIDFORGE_SSE_MAX_STREAMS: '100000',
      VIDFORGE_SSE_MAX_STREAMS_PER_KEY: '100000',
    },
  });
  const rows: Row[] = [];
  const notes: string[] = [];
  try {
    // Warm-up: the code paths loaded and compiled before anything is counted.
    await round(server, 'stream', 2, 2, 2);
    await round(server, 'poll', 2, 2, 2);
    ctx.log(`sse: ${tasks} tasks, nobody following`);
    const idle = await round(server, 'none', tasks, clients, steps);
    ctx.log(`sse: ${tasks * clients} clients on streams`);
    const stream = await round(server, 'stream', tasks, clients, steps);
    ctx.log(`sse: ${tasks * clients} clients polling every ${POLL_MS} ms`);
    const polled = await round(server, 'poll', tasks, clients, steps);
    const followers = tasks * clients;
    const extraCpuS = (r: Round) => Math.max(0, r.cpuS - idle.cpuS);
    const name = `${followers} clients on ${tasks} running tasks (${steps} steps)`;
    rows.push(
      {
        case: name,
        metric: 'server CPU per client-task',
        unit: 'ms',
        value: (extraCpuS(stream) * 1000) / followers,
        baseline: (extraCpuS(polled) * 1000) / followers,
      },
      {
        case: name,
        metric: 'server CPU per update seen',
        unit: 'µs',
        value: (extraCpuS(stream) * 1e6) / Math.max(1, stream.updates),
        baseline: (extraCpuS(polled) * 1e6) / Math.max(1, polled.updates),
      },
      {
        case: name,
        metric: 'updates seen per client-task',
        unit: 'n',
        value: stream.updates / followers,
        baseline: polled.updates / followers,
      },
      {
        case: name,
        metric: 'requests per client-task',
        unit: 'n',
        value: stream.requests / followers,
        baseline: polled.requests / followers,
      },
    );
    notes.push(
      `baseline: each client polls its task every ${POLL_MS} ms; ${steps} progress steps ${STEP_MS} ms apart per task; ` +
        `server CPU less the ${idle.cpuS.toFixed(2)} s of a round with nobody following (stream ${stream.cpuS.toFixed(2)} s, poll ${polled.cpuS.toFixed(2)} s)`,
    );
  } finally {
    await server.stop();
  }
  return {
    id: 'sse',
    title: 'Live progress (SSE) fan-out',
    baseline: `the same clients polling each task every ${POLL_MS} ms`,
    rows,
    notes,
  };
}
