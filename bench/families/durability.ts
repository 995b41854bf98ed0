/**
 * Durability cost: submit throughput with SQLite synchronous=NORMAL (the default: survives a process
 * crash) and FULL (also survives power loss, at an fsync per commit), so the choice is documented
 * with numbers. Baseline: single-row insert commits per second on raw SQLite in the same mode.
 */

import { type BenchContext, pick, scratchDir } from '../support/context.ts';
import { runLoad } from '../support/load.ts';
import { startVidforge } from '../support/servers.ts';
import { storageFloor } from '../support/storage-floor.ts';
import type { Family, Row } from '../support/table.ts';
import { SUBMIT_BODY } from './api.ts';

export async function durabilityFamily(ctx: BenchContext): Promise<Family> {
  const durationS = pick(ctx, 4, 0.5);
  const warmupS = pick(ctx, 1, 0.2);
  const connections = 16;
  const rows: Row[] = [];
  const notes: string[] = [];
  for (const mode of ['NORMAL', 'FULL'] as const) {
    ctx.log(`durability: submits with synchronous=${mode}`);
    const floor = await storageFloor(await scratchDir(ctx, 'floor'), mode, 1, durationS);
    const server = await startVidforge(ctx, {
      dataDir: await scratchDir(ctx, `durability-${mode}`),
      env: { VIDFORGE_WORKERS: '0', VIDFORGE_SQLITE_SYNCHRONOUS: mode },
    });
    try {
      const result = await runLoad({
        url: `${server.testBase}/video/generate`,
        method: 'POST',
        headers: { ...server.headers, 'content-type': 'application/json' },
        body: JSON.stringify(SUBMIT_BODY),
        connections,
        durationS,
        warmupS,
      });
      const name = `POST generate, c=${connections}, ${mode}`;
      rows.push(
        { case: name, metric: 'throughput', unit: 'req/s', value: result.rps, baseline: floor },
        { case: name, metric: 'p99', unit: 'ms', value: result.p99, baseline: null },
      );
      if (result.non2xx || result.errors) notes.push(`${name}: ${result.non2xx} non-2xx, ${result.errors} errors`);
    } finally {
      await server.stop();
    }
  }
  notes.push('throughput baseline = single-row insert commits per second on raw SQLite, same mode, same core');
  return {
    id: 'durability',
    title: 'Durability cost',
    baseline: 'raw node:sqlite insert commits per second, WAL, same synchronous mode',
    rows,
    notes,
  };
}
