/**
 * Memory: the server child's resident set (VmRSS, sampled every 20 ms; VmHWM for the whole life)
 * idle, under 1,000 concurrent pollers, while serving 20 concurrent Range downloads of a large
 * result, and while fetching a large source. Each scenario runs in this order on Vidforge and on the
 * baseline server (bare Fastify: the same JSON, a plain ranged file stream, a plain undici download),
 * so the ratio is what our code adds over a minimal Node server doing the same I/O.
 */
import { join } from 'node:path';
import { BENCH_ACCESS } from '../support/access.ts';
import { type BenchContext, pick, scratchDir } from '../support/context.ts';
import { serveFiles } from '../support/file-server.ts';
import { download, requestJson } from '../support/http.ts';
import { runLoad } from '../support/load.ts';
import { makeClip, padMp4 } from '../support/media-files.ts';
import { type Memory, readMemory, sampleMemory } from '../support/processes.ts';
import { startBaseline, startVidforge } from '../support/servers.ts';
import { nowMs } from '../support/stats.ts';
import type { Family, Row } from '../support/table.ts';
import { openTaskDb, waitUntil } from '../support/task-db.ts';

const DOWNLOADS = 20;
const POLLERS = 1000;

/** Runs `work` while sampling the process's RSS. */
async function peakDuring(pid: number, work: () => Promise<void>): Promise<Memory> {
  const sampler = sampleMemory(pid, 20);
  try {
    await work();
  } catch (error) {
    sampler.stop();
    throw error;
  }
  return sampler.stop();
}

/** 20 clients, each a Range request from its own offset to the end: ~1.5× the file per 10 clients. */
function rangeStarts(size: number): number[] {
  return Array.from({ length: DOWNLOADS }, (_, i) => Math.floor((i * size) / (2 * DOWNLOADS)));
}

async function downloadAll(url: string, size: number, headers: Record<string, string> = {}) {
  const t0 = nowMs();
  const results = await Promise.all(
    rangeStarts(size).map((start) => download(url, { ...headers, range: `bytes=${start}-` })),
  );
  const seconds = (nowMs() - t0) / 1000;
  const bytes = results.reduce((sum, r) => sum + r.bytes, 0);
  const expected = rangeStarts(size).reduce((sum, start) => sum + size - start, 0);
  if (bytes !== expected || results.some((r) => r.status !== 206)) {
    throw new Error(`downloads incomplete: ${bytes} of ${expected} bytes, statuses ${results.map((r) => r.status)}`);
  }
  return { mibPerSecond: bytes / 2 ** 20 / seconds };
}

export async function memoryFamily(ctx: BenchContext): Promise<Family> {
  const bigBytes = pick(ctx, 200_000_000, 32_000_000);
  const bigLabel = `${Math.round(bigBytes / 1e6)} MB`;
  const pollSeconds = pick(ctx, 5, 0.5);
  const notes: string[] = [];

  const sources = await scratchDir(ctx, 'sources');
  await makeClip(join(sources, 'big-source.mp4'), { width: 320, height: 180, seconds: 2 });
  await padMp4(join(sources, 'big-source.mp4'), bigBytes);
  const files = await serveFiles(sources);

  // The results exist before the measured server starts: making a large one with the test engine
  // holds it in memory once, which would otherwise count against the measured process.
  const dataDir = await scratchDir(ctx, 'memory');
  const setup = await startVidforge(ctx, { dataDir, env: { VIDFORGE_WORKERS: '1' } });
  const submit = async (prompt: string) => {
    const r = await requestJson('POST', `${setup.testBase}/video/generate`, { prompt }, setup.headers);
    if (r.status !== 200) throw new Error(`setup submit: ${r.status} ${JSON.stringify(r.body)}`);
    return r.body.taskId as string;
  };
  const smallId = await submit('test: steps=0 stepMs=0 size=1024');
  const bigId = await submit(`test: steps=0 stepMs=0 size=${bigBytes}`);
  const setupDb = openTaskDb(setup.dbFile);
  await waitUntil(() => setupDb.countByStatus('SUCCESS') === 2, 60_000, 'the setup results', 10);
  setupDb.close();
  await setup.stop();

  const server = await startVidforge(ctx, {
    dataDir,
    env: { VIDFORGE_WORKERS: '1', VIDFORGE_FETCH_ALLOW: files.hostPort },
  });
  const baseline = await startBaseline();
  const rows: Row[] = [];
  try {
    const pollUrl = `${server.testBase}/video/tasks/${smallId}`;
    const polled = await requestJson('GET', pollUrl, undefined, server.headers);
    await baseline.configure(polled.body, { taskId: smallId });
    const bareUrl = `${baseline.url}/v1/ai/${BENCH_ACCESS.testEndpoint}/video/tasks/${smallId}`;

    // Idle: after start-up and a handful of requests, once things settle.
    for (let i = 0; i < 10; i++) {
      await requestJson('GET', pollUrl, undefined, server.headers);
      await requestJson('GET', bareUrl);
    }
    await new Promise((resolve) => setTimeout(resolve, 500));
    rows.push({
      case: 'idle',
      metric: 'RSS',
      unit: 'MiB',
      value: readMemory(server.child.pid).rssMiB,
      baseline: readMemory(baseline.child.pid).rssMiB,
    });

    ctx.log(`memory: ${POLLERS} concurrent pollers`);
    const poll = (url: string, headers: Record<string, string>) => () =>
      runLoad({ url, headers, connections: POLLERS, durationS: pollSeconds }).then((r) => {
        if (r.errors || r.non2xx) notes.push(`pollers on ${url}: ${r.errors} errors, ${r.non2xx} non-2xx`);
      });
    const pollOurs = await peakDuring(server.child.pid, poll(pollUrl, server.headers));
    const pollBare = await peakDuring(baseline.child.pid, poll(bareUrl, {}));
    rows.push({
      case: `${POLLERS.toLocaleString('en')} concurrent pollers`,
      metric: 'peak RSS',
      unit: 'MiB',
      value: pollOurs.rssMiB,
      baseline: pollBare.rssMiB,
    });

    ctx.log(`memory: ${DOWNLOADS} Range downloads of ${bigLabel}`);
    const big = await requestJson('GET', `${server.testBase}/video/tasks/${bigId}`, undefined, server.headers);
    // The setup task succeeded at its first attempt: its result is that attempt's key, results/{id}/1.mp4.
    const blobPath = join(dataDir, 'media', 'results', bigId, '1.mp4');
    let oursSpeed = 0;
    let bareSpeed = 0;
    const dlOurs = await peakDuring(server.child.pid, async () => {
      oursSpeed = (await downloadAll(big.body.mediaUrl, bigBytes)).mibPerSecond;
    });
    const dlBare = await peakDuring(baseline.child.pid, async () => {
      bareSpeed = (await downloadAll(`${baseline.url}/file?path=${encodeURIComponent(blobPath)}`, bigBytes))
        .mibPerSecond;
    });
    const dlCase = `${DOWNLOADS} Range downloads of a ${bigLabel} result`;
    rows.push(
      { case: dlCase, metric: 'peak RSS', unit: 'MiB', value: dlOurs.rssMiB, baseline: dlBare.rssMiB },
      { case: dlCase, metric: 'throughput', unit: 'MiB/s', value: oursSpeed, baseline: bareSpeed },
    );

    ctx.log(`memory: fetching a ${bigLabel} source`);
    const sourceUrl = `${files.url}/big-source.mp4`;
    const db = openTaskDb(server.dbFile);
    let outcome = '';
    const fetchOurs = await peakDuring(server.child.pid, async () => {
      const r = await requestJson(
        'POST',
        `${server.previewBase}/video/upscale`,
        { config: { sourceVideo: sourceUrl } },
        server.headers,
      );
      if (r.status !== 200) throw new Error(`upscale submit: ${r.status} ${JSON.stringify(r.body)}`);
      await waitUntil(() => ['SUCCESS', 'FAIL'].includes(db.status(r.body.taskId) ?? ''), 120_000, 'the fetch', 10);
      const task = await requestJson(
        'GET',
        `${server.previewBase}/video/tasks/${r.body.taskId}`,
        undefined,
        server.headers,
      );
      outcome = task.body.status === 'SUCCESS' ? 'SUCCESS' : `FAIL ${JSON.stringify(task.body.error)}`;
    });
    db.close();
    if (outcome !== 'SUCCESS') notes.push(`the upscale task that fetched the source ended ${outcome}`);
    const fetchBare = await peakDuring(baseline.child.pid, async () => {
      const target = join(await scratchDir(ctx, 'fetched'), 'source.mp4');
      const r = await requestJson('POST', `${baseline.url}/fetch`, { url: sourceUrl, path: target });
      if (r.status !== 200) throw new Error(`baseline fetch: ${r.status}`);
    });
    rows.push(
      {
        case: `fetching a ${bigLabel} source (upscale task)`,
        metric: 'peak RSS',
        unit: 'MiB',
        value: fetchOurs.rssMiB,
        baseline: fetchBare.rssMiB,
      },
      {
        case: 'whole sequence above',
        metric: 'VmHWM',
        unit: 'MiB',
        value: readMemory(server.child.pid).hwmMiB,
        baseline: readMemory(baseline.child.pid).hwmMiB,
      },
    );
  } finally {
    await Promise.all([server.stop(), baseline.stop(), files.close()]);
  }
  notes.unshift(
    `scenarios run in table order on one process each; pollers: ${pollSeconds} s of GET task; downloads: ` +
      `Range bytes=N- from ${DOWNLOADS} offsets spread over the first half; RSS sampled every 20 ms`,
  );
  return {
    id: 'memory',
    title: 'Memory',
    baseline: 'a bare Fastify server doing the same I/O (same JSON, fs range stream, undici download to disk)',
    rows,
    notes,
  };
}
