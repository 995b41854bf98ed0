/**
 * API overhead: an authenticated poll (GET task) and an authenticated, validated, durable, enqueued
 * submit (POST generate, with no workers so nothing runs it), each against a bare Fastify route that
 * returns the same JSON, at several concurrencies. Vidforge and the baseline run pinned to the same
 * core, the load generator on the other; their runs alternate so drift hits both alike.
 */
import { BENCH_ACCESS } from '../support/access.ts';
import { type BenchContext, pick, scratchDir } from '../support/context.ts';
import { requestJson } from '../support/http.ts';
import { type LoadResult, runLoad } from '../support/load.ts';
import { startBaseline, startVidforge } from '../support/servers.ts';
import type { Family, Row } from '../support/table.ts';
import { openTaskDb, waitUntil } from '../support/task-db.ts';

/** A realistic body: every field the seed defines, so validation does its full work. */
export const SUBMIT_BODY = {
  prompt: 'A sunset over the ocean, waves rolling in, warm light, in the style of a postcard.',
  negativePrompt: 'dark, gloomy',
  settings: { seed: 42, duration: 4, aspectRatio: '16:9' },
};

/**
 * A server with a worker makes the SUCCESS task that the poll rows read (the costlier poll: it
 * signs a fresh media URL); the measured servers then run without workers on the same data.
 */
export async function makeSuccessTask(ctx: BenchContext, dataDir: string): Promise<string> {
  const setup = await startVidforge(ctx, { dataDir, env: { VIDFORGE_WORKERS: '1' } });
  const made = await requestJson(
    'POST',
    `${setup.testBase}/video/generate`,
    { prompt: 'test: steps=0 stepMs=0 size=1024' },
    setup.headers,
  );
  if (made.status !== 200) throw new Error(`setup submit failed: ${made.status} ${JSON.stringify(made.body)}`);
  const taskId: string = made.body.taskId;
  const db = openTaskDb(setup.dbFile);
  await waitUntil(() => db.status(taskId) === 'SUCCESS', 10_000, 'the setup task', 5);
  db.close();
  await setup.stop();

  return taskId;
}

export async function apiFamily(ctx: BenchContext): Promise<Family> {
  const concurrencies = pick(ctx, [1, 16, 64], [16]);
  const durationS = pick(ctx, 4, 0.5);
  const warmupS = pick(ctx, 1, 0.2);
  const dataDir = await scratchDir(ctx, 'api');

  const taskId = await makeSuccessTask(ctx, dataDir);

  const server = await startVidforge(ctx, { dataDir, env: { VIDFORGE_WORKERS: '0' } });
  const baseline = await startBaseline();
  const rows: Row[] = [];
  const notes: string[] = [];
  try {
    const taskUrl = `${server.testBase}/video/tasks/${taskId}`;
    const submitUrl = `${server.testBase}/video/generate`;
    const polled = await requestJson('GET', taskUrl, undefined, server.headers);
    const submitted = await requestJson('POST', submitUrl, SUBMIT_BODY, server.headers);
    if (polled.status !== 200 || submitted.status !== 200) throw new Error('API family: a setup request failed');
    await baseline.configure(polled.body, submitted.body);

    const body = JSON.stringify(SUBMIT_BODY);
    const post = { 'content-type': 'application/json' };
    const cases = [
      { label: 'GET task', method: 'GET' as const, path: `/video/tasks/${taskId}`, headers: {}, body: undefined },
      { label: 'POST generate', method: 'POST' as const, path: '/video/generate', headers: post, body },
    ];
    for (const c of cases) {
      for (const connections of concurrencies) {
        ctx.log(`api: ${c.label} c=${connections}`);
        const load = (base: string, auth: Record<string, string>, serverPid: number) =>
          runLoad({
            url: `${base}${c.path}`,
            method: c.method,
            headers: { ...c.headers, ...auth },
            ...(c.body === undefined ? {} : { body: c.body }),
            connections,
            durationS,
            warmupS,
            serverPid,
          });
        const bare = await load(`${baseline.url}/v1/ai/${BENCH_ACCESS.testEndpoint}`, {}, baseline.child.pid);
        const ours = await load(server.testBase, server.headers, server.child.pid);
        const name = `${c.label}, c=${connections}`;
        rows.push(
          { case: name, metric: 'throughput', unit: 'req/s', value: ours.rps, baseline: bare.rps },
          { case: name, metric: 'p50', unit: 'ms', value: ours.p50, baseline: bare.p50 },
          { case: name, metric: 'p99', unit: 'ms', value: ours.p99, baseline: bare.p99 },
          // The steadiest figure on a shared machine: time the server itself spent, not time waited.
          {
            case: name,
            metric: 'server CPU',
            unit: 'µs/req',
            value: ours.cpuUsPerRequest,
            baseline: bare.cpuUsPerRequest,
          },
        );
        for (const [who, r] of [
          ['Vidforge', ours],
          ['baseline', bare],
        ] as [string, LoadResult][]) {
          if (r.non2xx || r.errors) notes.push(`${name}: ${who} had ${r.non2xx} non-2xx and ${r.errors} errors`);
        }
      }
    }
  } finally {
    await Promise.all([server.stop(), baseline.stop()]);
  }
  notes.push(
    `${warmupS} s warm-up then ${durationS} s per run, closed loop, no pipelining; GET polls a SUCCESS task ` +
      '(a fresh signed media URL per response); POST runs with VIDFORGE_WORKERS=0 and default logging (info)',
  );
  return {
    id: 'api',
    title: 'API overhead',
    baseline: 'a bare Fastify route returning the same JSON (no auth, validation, database or logging)',
    rows,
    notes,
  };
}
