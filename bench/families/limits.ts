/**
 * The cost of per-key rate limits (docs/limits.md): the api family's poll and submit, from a key
 * whose budgets are limited (so every request writes its counter in the database) against the same
 * server with no limits (no counter, no header). Both are Vidforge on one SQLite file, pinned to the
 * same core, their runs alternating. The budgets are far above what the run can spend, so every
 * answer is a 200 and the rows measure the bookkeeping, not refusals.
 */
import { type BenchContext, pick, scratchDir } from '../support/context.ts';
import { runLoad } from '../support/load.ts';
import { startVidforge } from '../support/servers.ts';
import type { Family, Row } from '../support/table.ts';
import { makeSuccessTask, SUBMIT_BODY } from './api.ts';

const LIMITED_ENV = { VIDFORGE_KEY_RATE: '1000000/min', VIDFORGE_KEY_POLL_RATE: '1000000/min' };

export async function limitsFamily(ctx: BenchContext): Promise<Family> {
  const concurrencies = pick(ctx, [1, 16], [16]);
  const durationS = pick(ctx, 4, 0.5);
  const warmupS = pick(ctx, 1, 0.2);
  const dataDir = await scratchDir(ctx, 'limits');
  const taskId = await makeSuccessTask(ctx, dataDir);

  const plain = await startVidforge(ctx, { dataDir, env: { VIDFORGE_WORKERS: '0' } });
  const limited = await startVidforge(ctx, { dataDir, env: { VIDFORGE_WORKERS: '0', ...LIMITED_ENV } });
  const rows: Row[] = [];
  const notes: string[] = [];
  try {
    const probe = await fetch(`${limited.testBase}/video/tasks/${taskId}`, { headers: limited.headers });
    await probe.arrayBuffer();
    if (probe.status !== 200 || !probe.headers.get('ratelimit')) {
      throw new Error(`limits family: the limited server did not limit (${probe.status})`);
    }
    const cases = [
      {
        label: 'GET task',
        method: 'GET' as const,
        path: `/video/tasks/${taskId}`,
        headers: {} as Record<string, string>,
        body: undefined,
      },
      {
        label: 'POST generate',
        method: 'POST' as const,
        path: '/video/generate',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(SUBMIT_BODY),
      },
    ];
    for (const c of cases) {
      for (const connections of concurrencies) {
        ctx.log(`limits: ${c.label} c=${connections}`);
        const load = (server: typeof plain) =>
          runLoad({
            url: `${server.testBase}${c.path}`,
            method: c.method,
            headers: { ...c.headers, ...server.headers },
            ...(c.body === undefined ? {} : { body: c.body }),
            connections,
            durationS,
            warmupS,
            serverPid: server.child.pid,
          });
        const without = await load(plain);
        const withLimits = await load(limited);
        const name = `${c.label}, rate-limited key, c=${connections}`;
        rows.push(
          { case: name, metric: 'throughput', unit: 'req/s', value: withLimits.rps, baseline: without.rps },
          { case: name, metric: 'p99', unit: 'ms', value: withLimits.p99, baseline: without.p99 },
          {
            case: name,
            metric: 'server CPU',
            unit: 'µs/req',
            value: withLimits.cpuUsPerRequest,
            baseline: without.cpuUsPerRequest,
          },
        );
        for (const [who, r] of [
          ['limited', withLimits],
          ['unlimited', without],
        ] as const) {
          if (r.non2xx || r.errors) notes.push(`${name}: ${who} had ${r.non2xx} non-2xx and ${r.errors} errors`);
        }
      }
    }
  } finally {
    await Promise.all([plain.stop(), limited.stop()]);
  }
  notes.push(
    `${warmupS} s warm-up then ${durationS} s per run; limited: ${Object.entries(LIMITED_ENV)
      .map(([k, v]) => `${k}=${v}`)
      .join(' ')}; the concurrency check is the same bounded index walk as maxPendingPerEngine's`,
  );
  return {
    id: 'limits',
    title: 'Per-key rate limits',
    baseline: 'the same Vidforge build and data with no limits configured (no counter write, no headers)',
    rows,
    notes,
  };
}
